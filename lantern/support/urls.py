from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("help/contact/", views.contact, name="contact"),
    path("help/contact/sent/", views.sent, name="sent"),
]
