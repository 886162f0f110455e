"""Test environment, loaded as a pytest plugin (`-p lantern.testing.environment`) so it runs
before pytest-django reads the settings. Values already in the environment win, so
`DATABASE_URL=postgres://... make test` runs the suite on PostgreSQL."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-never-used-in-production-0123456789")
os.environ.setdefault("HTTPS", "off")
os.environ.setdefault("EMAIL_URL", "memory://")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="lantern-test-"))
os.environ.setdefault("IMPORT_WORKERS", "1")
