from django.urls import path

from . import views

app_name = "results"

urlpatterns = [
    path("results/", views.my_results, name="mine"),
    path("patients/<uuid:patient_id>/results/", views.result_list, name="list"),
    path(
        "patients/<uuid:patient_id>/results/trends/<str:code>/",
        views.trend,
        name="trend",
    ),
    path(
        "patients/<uuid:patient_id>/results/observations/<uuid:observation_id>/",
        views.observation_detail,
        name="observation",
    ),
    path(
        "patients/<uuid:patient_id>/results/<uuid:report_id>/",
        views.result_detail,
        name="detail",
    ),
]
