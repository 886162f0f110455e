from django.urls import path

from . import views

app_name = "pages"

urlpatterns = [
    path("help/", views.help_centre, name="help"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
]
