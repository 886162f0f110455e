from django.urls import path

from . import views

app_name = "downloads"

urlpatterns = [
    path("patients/<uuid:patient_id>/download/", views.download, name="download"),
    path("patients/<uuid:patient_id>/download/record.json", views.record_json, name="record_json"),
    path("patients/<uuid:patient_id>/download/record.pdf", views.record_pdf, name="record_pdf"),
    path(
        "patients/<uuid:patient_id>/results/<uuid:report_id>/download.json",
        views.result_json,
        name="result_json",
    ),
    path(
        "patients/<uuid:patient_id>/results/<uuid:report_id>/download.pdf",
        views.result_pdf,
        name="result_pdf",
    ),
    path(
        "patients/<uuid:patient_id>/results/observations/<uuid:observation_id>/download.json",
        views.observation_json,
        name="observation_json",
    ),
    path(
        "patients/<uuid:patient_id>/results/observations/<uuid:observation_id>/download.pdf",
        views.observation_pdf,
        name="observation_pdf",
    ),
]
