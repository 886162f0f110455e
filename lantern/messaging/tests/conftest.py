"""Builders for secure messages: recipients, real files, and accesses as the views get them."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF
from PIL import Image

from lantern.access.models import StaffRole
from lantern.access.policy import patient_access
from lantern.testing.factories import StaffMembershipFactory, UserFactory
from lantern.testing.factories_messaging import MessagePoolFactory


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color=(200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=12)
    document.cell(text="Blood pressure diary")
    return bytes(document.output())


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_upload(name: str = "rash.png"):
    return upload(name, png_bytes(), "image/png")


def pdf_upload(name: str = "diary.pdf"):
    return upload(name, pdf_bytes(), "application/pdf")


@pytest.fixture
def nursing(clinic):
    return MessagePoolFactory(organization=clinic, name="Nursing", position=1)


@pytest.fixture
def billing(clinic):
    return MessagePoolFactory(organization=clinic, name="Billing questions", position=2)


@pytest.fixture
def dr_diaz(clinic):
    user = UserFactory(username="diaz", first_name="Dana", last_name="Diaz", is_staff=True)
    StaffMembershipFactory(user=user, organization=clinic, role=StaffRole.CLINICIAN)
    return user


@pytest.fixture
def alice_access(alice):
    return patient_access(alice, alice.patient_id)


@pytest.fixture
def nora_access(nora, alice):
    nora.first_name, nora.last_name = "Nora", "Nguyen"
    nora.save()
    return patient_access(nora, alice.patient_id)


@pytest.fixture
def private_root(settings, tmp_path):
    """A fresh PRIVATE_FILES_ROOT for the test, so file counts are exact."""
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    return settings.PRIVATE_FILES_ROOT


def stored_files(root) -> list:
    folder = root / "attachments"
    return sorted(folder.iterdir()) if folder.exists() else []
