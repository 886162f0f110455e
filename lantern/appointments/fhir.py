"""Appointments as FHIR R4 `Appointment` resources (the FHIR API serves them).

One visit is one Appointment: its status in FHIR's words, the visit type as `appointmentType`
text, the start and end instants, and two participants, the patient and the clinician (by name:
clinicians are accounts, not records of the clinical directory). The place is named in
`description` with the visit type. References use the `urn:uuid:` form of the FHIR export.
"""

from __future__ import annotations

from typing import Any

from lantern.interop.fhir_export.datatypes import compact, instant, ref

from .models import Appointment, AppointmentStatus

Resource = dict[str, Any]
APPOINTMENT_STATUS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.ARRIVED: "arrived",
    AppointmentStatus.NO_SHOW: "noshow",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.COMPLETED: "fulfilled",
}


def export_appointment(appointment: Appointment) -> Resource:
    """One visit as an Appointment resource (a dict ready for JSON).

    Reads `visit_type`, `location` and `clinician`: select them with the appointment.
    """
    clinician = appointment.clinician
    clinician_name = clinician.get_full_name() or "Your clinician"
    return compact(
        {
            "resourceType": "Appointment",
            "id": str(appointment.pk),
            "status": APPOINTMENT_STATUS[AppointmentStatus(appointment.status)],
            "cancelationReason": {"text": appointment.cancellation_reason}
            if appointment.cancellation_reason
            else None,
            "appointmentType": {"text": appointment.visit_type.name},
            "description": f"{appointment.visit_type.name} at {appointment.location.name}",
            "start": instant(appointment.starts_at),
            "end": instant(appointment.ends_at),
            "minutesDuration": int((appointment.ends_at - appointment.starts_at).total_seconds())
            // 60,
            "created": instant(appointment.created_at),
            "participant": [
                {
                    "actor": ref(appointment.patient_id),
                    "required": "required",
                    "status": "accepted",
                },
                {
                    "actor": {"display": clinician_name},
                    "required": "required",
                    "status": "accepted",
                },
            ],
        }
    )
