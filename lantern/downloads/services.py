"""The downloads: the record or one result, as a FHIR R4 JSON Bundle or a readable PDF."""

from __future__ import annotations

import uuid

import orjson

from lantern.access.policy import PatientAccess
from lantern.interop.fhir_export import record_bundle, result_bundle

from . import pdf
from .selectors import record_summary, report_for_download, report_observations


def record_json(*, access: PatientAccess) -> bytes:
    return orjson.dumps(record_bundle(access), option=orjson.OPT_INDENT_2)


def record_pdf(*, access: PatientAccess) -> bytes:
    return pdf.record_pdf(record_summary(access=access))


def result_json(*, access: PatientAccess, report_id: uuid.UUID) -> bytes:
    report = report_for_download(access=access, report_id=report_id)
    return orjson.dumps(result_bundle(access, report), option=orjson.OPT_INDENT_2)


def result_pdf(*, access: PatientAccess, report_id: uuid.UUID) -> bytes:
    report = report_for_download(access=access, report_id=report_id)
    observations = report_observations(access=access, report=report)
    return pdf.result_pdf(access.patient, report, observations)
