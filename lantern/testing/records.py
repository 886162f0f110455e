"""One of each object a patient's URLs can name, for tests that walk every patient route.

`patient_objects(user)` gives the patient of `user` a report with a value, a lab value of no
report, a visit, a document, a conversation with a message and a real attached file, a booked
appointment a week ahead with an earlier time offered from the waitlist, a refill request, and
the URL keyword arguments that name each of them.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from lantern.access.policy import PatientAccess
from lantern.appointments.models import (
    Appointment,
    Location,
    VisitType,
    WaitlistEntry,
    WaitlistOffer,
)
from lantern.audit.models import ActorRole
from lantern.clinical.document_files import document_file_store, document_storage_name
from lantern.clinical.models import (
    DiagnosticReport,
    DiagnosticReportResult,
    DocumentReference,
    Encounter,
    Observation,
)
from lantern.messaging import services as messaging_services
from lantern.messaging.models import Attachment, Conversation
from lantern.refills.models import RefillKind, RefillRequest

from .factories import (
    DiagnosticReportFactory,
    DocumentFactory,
    EncounterFactory,
    MedicationRequestFactory,
    ObservationFactory,
    UserFactory,
)
from .factories_messaging import ConversationFactory, MessagePoolFactory


@dataclass(frozen=True)
class PatientObjects:
    report: DiagnosticReport
    observation: Observation
    visit: Encounter
    document: DocumentReference
    conversation: Conversation
    attachment: Attachment
    appointment: Appointment
    offer: WaitlistOffer
    refill: RefillRequest

    def url_kwargs(self) -> dict[str, Any]:
        """The value of each object keyword a patient route may take."""
        return {
            "report_id": self.report.pk,
            "observation_id": self.observation.pk,
            "visit_id": self.visit.pk,
            "document_id": self.document.pk,
            "conversation_id": self.conversation.pk,
            "attachment_id": self.attachment.pk,
            "appointment_id": self.appointment.pk,
            "offer_id": self.offer.pk,
            "refill_id": self.refill.pk,
            # A trend names a test, not one object.
            "code": self.observation.code,
        }


def _document_with_file(patient) -> DocumentReference:
    """A visit summary with its text and the PDF it came as (written under PRIVATE_FILES_ROOT),
    so the document's page and its download both have something to show."""
    content = b"%PDF-1.4\n%%EOF\n"
    storage_name = document_storage_name(content, "application/pdf")
    document_file_store(storage_name, content)
    return DocumentFactory(patient=patient, content_file=storage_name, content_size=len(content))


def _appointment_with_offer(patient) -> tuple[Appointment, WaitlistOffer]:
    """A check-up a week ahead, waiting for an earlier time, and an offer of one tomorrow."""
    organization = patient.managing_organization
    location = Location.objects.create(
        organization=organization, name="Main Street", time_zone="America/New_York"
    )
    visit_type = VisitType.objects.create(
        organization=organization, name="Check-up", length_minutes=30, patients_may_book=True
    )
    clinician = UserFactory(is_staff=True)
    starts_at = (timezone.now() + dt.timedelta(days=7)).replace(second=0, microsecond=0)
    appointment = Appointment.objects.create(
        patient=patient,
        clinician=clinician,
        location=location,
        visit_type=visit_type,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=30),
        booked_by_role=ActorRole.STAFF,
    )
    offer = WaitlistOffer.objects.create(
        entry=WaitlistEntry.objects.create(appointment=appointment),
        clinician=clinician,
        location=location,
        starts_at=starts_at - dt.timedelta(days=6),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    return appointment, offer


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), color=(200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("rash.png", buffer.getvalue(), content_type="image/png")


def patient_objects(user) -> PatientObjects:
    """Objects of `user`'s patient; the attached file is written under PRIVATE_FILES_ROOT."""
    patient = user.patient
    visit = EncounterFactory(patient=patient)
    report = DiagnosticReportFactory(patient=patient, encounter=visit)
    DiagnosticReportResult.objects.create(
        report=report, observation=ObservationFactory(patient=patient, code="2345-7"), position=0
    )
    observation = ObservationFactory(patient=patient, code="4548-4")
    pool = MessagePoolFactory(organization=patient.managing_organization)
    conversation = ConversationFactory(patient=patient, pool=pool, created_by=user)
    # message_add audits the message it writes: tests count the events written after this.
    access = PatientAccess(user=user, patient=patient, role=ActorRole.SELF)
    message = messaging_services.message_add(
        access=access,
        conversation=conversation,
        body="Photo attached",
        files=[_png()],
        submission_id=uuid.uuid4(),
    )
    appointment, offer = _appointment_with_offer(patient)
    return PatientObjects(
        report=report,
        observation=observation,
        visit=visit,
        document=_document_with_file(patient),
        conversation=conversation,
        attachment=message.attachments.get(),
        appointment=appointment,
        offer=offer,
        refill=_refill_request(user),
    )


def _refill_request(user) -> RefillRequest:
    patient = user.patient
    return RefillRequest.objects.create(
        patient=patient,
        organization=patient.managing_organization,
        medication=MedicationRequestFactory(patient=patient),
        kind=RefillKind.REFILL,
        requested_by=user,
        requested_by_role=ActorRole.SELF,
        submission_id=uuid.uuid4(),
    )
