from django.urls import include, path

from . import views

app_name = "record"

patient_patterns = [
    path("", views.index, name="index"),
    path("problems/", views.problems, name="problems"),
    path("medications/", views.medications, name="medications"),
    path("allergies/", views.allergies, name="allergies"),
    path("immunizations/", views.immunizations, name="immunizations"),
    path("vitals/", views.vitals, name="vitals"),
    path("procedures/", views.procedures, name="procedures"),
    path("visits/", views.visits, name="visits"),
    path("visits/<uuid:visit_id>/", views.visit, name="visit"),
    path("documents/", views.documents, name="documents"),
    path("documents/<uuid:document_id>/", views.document, name="document"),
    path("documents/<uuid:document_id>/file/", views.document_file, name="document_file"),
]

urlpatterns = [
    path("record/", views.my_record, name="mine"),
    path("medications/", views.my_medications, name="my_medications"),
    path("patients/<uuid:patient_id>/record/", include(patient_patterns)),
]
