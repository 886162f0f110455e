"""FHIR R4 export: a patient's record, or one result, as a validated `collection` Bundle."""

from .bundle import ExportError, observation_bundle, record_bundle, result_bundle

__all__ = ["ExportError", "observation_bundle", "record_bundle", "result_bundle"]
