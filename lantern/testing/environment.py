"""Test environment, loaded as a pytest plugin (`-p lantern.testing.environment`) so it runs
before pytest-django reads the settings. Values already in the environment win, so
`DATABASE_URL=postgres://... make test` runs the suite on PostgreSQL."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-never-used-in-production-0123456789")
os.environ.setdefault("HTTPS", "off")
os.environ.setdefault("EMAIL_URL", "memory://")
# Each test process (and each parallel worker) writes files in its own fresh folder.
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="lantern-test-")
# WhiteNoise serves STATIC_ROOT (VAR_DIR/static) and warns when it does not exist.
os.makedirs(os.path.join(os.environ["VAR_DIR"], "static"), exist_ok=True)
os.environ.setdefault("IMPORT_WORKERS", "1")
# The OpenID Connect signing key of SMART on FHIR: one made for this test process.
if not os.environ.get("OIDC_RSA_PRIVATE_KEY"):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    os.environ["OIDC_RSA_PRIVATE_KEY"] = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
# Playwright's synchronous API runs an event loop in the test thread; the live server's ORM
# calls happen in its own thread, and the test's own ORM calls are synchronous by design.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# PostgreSQL refuses TRUNCATE of the audit tables unless the session allows it; Django's flush
# between transactional tests uses TRUNCATE, so the test connections allow it (config/settings.py).
os.environ.setdefault("TEST_ALLOW_AUDIT_TRUNCATE", "on")
