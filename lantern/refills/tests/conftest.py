from __future__ import annotations

import pytest

from .factories import PharmacyFactory


@pytest.fixture
def pharmacy(clinic):
    return PharmacyFactory(organization=clinic, name="Main Street Pharmacy")


@pytest.fixture
def alice_client(alice):
    from django.test import Client

    from lantern.testing.auth import sign_in

    return sign_in(Client(), alice)


@pytest.fixture
def nora_client(nora):
    from django.test import Client

    from lantern.testing.auth import sign_in

    return sign_in(Client(), nora)
