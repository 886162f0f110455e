from django.urls import path

from . import views

app_name = "enrollment"

urlpatterns = [
    path("enroll/", views.start, name="start"),
    path("enroll/account/", views.account, name="account"),
    path("signup/", views.sign_up, name="sign_up"),
    path("signup/sent/", views.sign_up_sent, name="sign_up_sent"),
    path("terms/", views.terms, name="terms"),
]
