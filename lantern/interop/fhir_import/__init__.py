"""FHIR R4 bundle import (`manage.py import_fhir`)."""

from .pipeline import DEFAULT_SOURCE_SYSTEM, import_paths
from .report import FileFailure, ImportReport, TypeCounts

__all__ = ["DEFAULT_SOURCE_SYSTEM", "FileFailure", "ImportReport", "TypeCounts", "import_paths"]
