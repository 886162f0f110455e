"""The downloads: the record or one result, as a FHIR R4 JSON Bundle or a readable PDF."""

from __future__ import annotations

import uuid

import orjson

from lantern.access.policy import PatientAccess
from lantern.interop.fhir_export import observation_bundle, record_bundle, result_bundle
from lantern.refills.fhir import refill_task_entries

from . import pdf
from .selectors import (
    observation_for_download,
    observation_ordered_by,
    procedures_section,
    record_summary,
    report_for_download,
    report_observations,
)


def record_json(*, access: PatientAccess) -> bytes:
    bundle = record_bundle(access)
    # The patient's refill requests, as Tasks on the prescriptions the bundle holds.
    bundle["entry"] += refill_task_entries(access)
    return orjson.dumps(bundle, option=orjson.OPT_INDENT_2)


def record_pdf(*, access: PatientAccess) -> bytes:
    return pdf.record_pdf(
        record_summary(access=access), procedures=procedures_section(access=access)
    )


def result_json(*, access: PatientAccess, report_id: uuid.UUID) -> bytes:
    report = report_for_download(access=access, report_id=report_id)
    return orjson.dumps(result_bundle(access, report), option=orjson.OPT_INDENT_2)


def result_pdf(*, access: PatientAccess, report_id: uuid.UUID) -> bytes:
    report = report_for_download(access=access, report_id=report_id)
    observations = report_observations(access=access, report=report)
    return pdf.result_pdf(access.patient, report, observations)


def observation_json(*, access: PatientAccess, observation_id: uuid.UUID) -> bytes:
    observation = observation_for_download(access=access, observation_id=observation_id)
    return orjson.dumps(observation_bundle(access, observation), option=orjson.OPT_INDENT_2)


def observation_pdf(*, access: PatientAccess, observation_id: uuid.UUID) -> bytes:
    observation = observation_for_download(access=access, observation_id=observation_id)
    return pdf.observation_pdf(access.patient, observation, observation_ordered_by(observation))
