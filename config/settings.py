"""Lantern settings.

Every value comes from the environment; this is the only module that reads it. The defaults are
safe for production (DEBUG off, HTTPS-only cookies, HSTS) except where a value cannot have a safe
default (SECRET_KEY must be set). `make run` sets what a laptop needs. See docs/configuration.md.
"""

from __future__ import annotations

import datetime
import os
from email.utils import formataddr
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"Environment variable {name} must be on or off, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be a whole number."
        ) from error


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# A statement is prepared on a connection once it has run this many times on it (psycopg's
# prepare_threshold): the hot ones at once, one-off statements never.
PREPARE_AFTER = 2


def postgresql_options(
    options: dict, *, prepared_statements: bool, allow_audit_truncate: bool = False
) -> dict:
    """PostgreSQL's connection options (psycopg's, through Django's OPTIONS).

    With `prepared_statements` (DATABASE_PREPARED_STATEMENTS, on by default) values are bound by
    the server and a statement run again on a connection is prepared: parsed once per
    connection, its later runs sending only their values (a page's queries took a third to half
    as long on the server's side). Turn it off behind a pooler that passes one client's
    statements to several server connections without tracking prepared ones (PgBouncer in
    transaction mode without `max_prepared_statements`); values are then bound by the client.
    """
    options = dict(options)
    if prepared_statements:
        options.update(server_side_binding=True, prepare_threshold=PREPARE_AFTER)
    if allow_audit_truncate:
        options["options"] = "-c lantern.allow_audit_truncate=on"
    return options


DEBUG = env_bool("DEBUG", False)
# Django's error reports with sensitive names masked, *_URL, DSN and cache locations included.
DEFAULT_EXCEPTION_REPORTER_FILTER = "lantern.core.debug.ExceptionReporterFilter"

VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

# The key comes from the environment; on a developer's machine, `make run` keeps one in
# VAR_DIR/secret-key, which manage.py commands then use too.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and (VAR_DIR / "secret-key").is_file():
    SECRET_KEY = (VAR_DIR / "secret-key").read_text().strip()
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it to a long random value (make run creates one in var/)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# HTTPS is assumed in production. `make run` serves plain HTTP on 127.0.0.1, so it sets HTTPS=off.
HTTPS = env_bool("HTTPS", True)
# DEBUG pages show code, settings and requests to anyone who can make the site fail; a site served
# over HTTPS is one that people use, so the two together are a mistake, refused at start.
if DEBUG and HTTPS:
    raise ImproperlyConfigured(
        "DEBUG=on and HTTPS=on together are refused: DEBUG shows code and settings on error pages. "
        "Set DEBUG=off in production, or HTTPS=off on a developer's machine."
    )
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading commits the whole registered domain, every subdomain included, to HTTPS in browsers
# for months and cannot be undone quickly, so it is the domain owner's decision
# (SECURE_HSTS_PRELOAD=on), not a default; the deploy check's reminder about it is silenced.
# django-oauth-toolkit warns that plain-http redirect addresses are allowed: they must be, for apps
# on a phone or a laptop that redirect to themselves (RFC 8252), and the clinic's registration
# form (lantern/fhir_api/forms.py) accepts http only for 127.0.0.1, localhost and [::1].
# templates.W003 always reports the `i18n` library that replaces Django's on purpose (TEMPLATES,
# "libraries"); lantern.core.checks does the same check for every other library name.
SILENCED_SYSTEM_CHECKS = ["security.W021", "oauth2_provider.W008", "templates.W003"]
# Behind a reverse proxy (BEHIND_PROXY=on), the scheme and the client's address come from the
# proxy's headers; otherwise those headers are the client's own words and are ignored. The client
# address is the TRUSTED_PROXY_COUNT-th entry of X-Forwarded-For from the right (each trusted proxy
# appends the address it was reached from); lantern.core.client_address reads it.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Health probes come from the load balancer over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Over HTTPS every cookie Lantern sets carries the "__Host-" prefix: browsers then accept it only
# if it is Secure, for path "/" and without a Domain, so a neighbouring subdomain or a plain-HTTP
# page cannot plant or overwrite it. Browsers refuse such cookies over plain HTTP, hence plain
# names when HTTPS=off (make run, tests).
COOKIE_NAME_PREFIX = "__Host-" if HTTPS else ""
SESSION_COOKIE_NAME = f"{COOKIE_NAME_PREFIX}sessionid"
CSRF_COOKIE_NAME = f"{COOKIE_NAME_PREFIX}csrftoken"
# The signed cookies naming a known browser (new-device notices) and a trusted one (no code).
DEVICE_COOKIE_NAME = f"{COOKIE_NAME_PREFIX}lantern_device"
TRUSTED_DEVICE_COOKIE_NAME = f"{COOKIE_NAME_PREFIX}lantern_trusted_device"
# Content-Security-Policy (django-csp): scripts, styles, images, fonts and requests only from the
# portal itself, with no inline script or style anywhere (behaviour lives in static/ files, data
# reaches scripts through data-* attributes and json_script), no plugins, no <base>, forms posted
# only to the portal, and no framing. The Django admin gets the same policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The installable app: its manifest and its service worker (/sw.js) come from the portal.
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

INSTALLED_APPS = [
    # Django's admin, entered only through Lantern's sign-in (lantern/core/admin_site.py).
    "lantern.core.admin_config.LanternAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "lantern.core",
    "lantern.accounts",
    "lantern.clinical",
    "lantern.access",
    "lantern.audit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_email",
    "django_otp_webauthn",
    "axes",
    "lantern.interop",
    "lantern.demo",
    "lantern.notifications",
    "lantern.enrollment",
    "lantern.mfa",
    "lantern.staff",
    "lantern.home",
    "lantern.downloads",
    "lantern.results",
    "lantern.record",
    "lantern.messaging",
    "lantern.family",
    "lantern.pages",
    "lantern.appointments",
    "lantern.refills",
    "oauth2_provider",
    "lantern.fhir_api",
    "lantern.hl7v2",
    "lantern.support",
    "lantern.webapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files leave here, cacheable and with no policy header; everything after is a page.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "lantern.core.headers.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language before signing in: the header's choice (cookie), else Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's own language, from account settings.
    "lantern.core.language.AccountLanguageMiddleware",
    # Before anything reads the body (CSRF reads request.POST in process_view).
    "lantern.core.request_size.RequestBodyLimitMiddleware",
    # django-otp's OTPMiddleware, reading the verified device in a prepared statement.
    "lantern.mfa.middleware.VerifiedDeviceMiddleware",
    "lantern.accounts.middleware.SessionTimeoutMiddleware",
    "lantern.mfa.middleware.SecondFactorRequiredMiddleware",
    "lantern.enrollment.middleware.TermsAcceptanceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lantern.core.middleware.RequestContextMiddleware",
    # Lockout and throttling of sign-in attempts; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]
# The FHIR API's routes and SMART's discovery document have a handler of their own
# (lantern/core/wsgi.py) with this shorter stack: apps send a bearer token, never a session
# cookie or a form, and the API reads no body, speaks one language and never signs anyone in.
# What stays: every security header a page gets, no-store, and the request's address and user
# agent for the audit trail. (The test client runs MIDDLEWARE; the API's own tests call the WSGI
# application too: lantern/core/tests/test_wsgi.py.)
FHIR_API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The same policy as csp.middleware.CSPMiddleware writes, built once per process.
    "lantern.core.headers.FixedContentSecurityPolicyMiddleware",
    "lantern.core.headers.NoStoreMiddleware",
    # Content-Length on every answer (and DISALLOWED_USER_AGENTS), as for the pages.
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lantern.core.middleware.RequestContextMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "lantern.accounts.backends.AccountBackend",
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "home:home"

ROOT_URLCONF = "config.urls"
# Django's form renderer, drawing its plain widgets (inputs, selects, textareas, radios) in
# Python rather than through their templates: the same HTML, faster (lantern/core/form_renderer).
FORM_RENDERER = "lantern.core.form_renderer.FormRenderer"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lantern.core.context_processors.portal",
            ],
            # `{% load i18n %}` loads Django's tags, with quoted `{% translate %}` words kept
            # per language (lantern/core/templatetags/kept_i18n.py).
            "libraries": {"i18n": "lantern.core.templatetags.kept_i18n"},
            # `{% url %}` as Django's, with each view's address worded once per kind of ids
            # (lantern/core/reversing.py).
            "builtins": ["lantern.core.templatetags.kept_urls"],
        },
    },
]

# The database. SQLite under var/ unless DATABASE_URL says otherwise (PostgreSQL in production).
# The URLs that carry passwords are read into lower-case names, which are not settings, so
# Django's debug page and error reports never list them.
_database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'lantern.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the task worker write to one file at once: WAL, a busy timeout and
    # immediate transactions keep "database is locked" away from users. Connections are kept
    # between requests (as for PostgreSQL): opening one and running its PRAGMAs on every request
    # cost more than most pages (signed-in /healthz: 160 requests/s without, 420 with). No
    # transaction is held between requests, so a kept connection locks nothing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 5,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; "
            "PRAGMA foreign_keys=ON;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = postgresql_options(
        DATABASES["default"].get("OPTIONS", {}),
        prepared_statements=env_bool("DATABASE_PREPARED_STATEMENTS", True),
        # PostgreSQL refuses TRUNCATE of the audit tables (audit migration 0004) unless the
        # session says otherwise; Django's test flush empties tables with TRUNCATE, so only the
        # test suite (lantern/testing/environment.py) turns this on for its connections.
        allow_audit_truncate=env_bool("TEST_ALLOW_AUDIT_TRUNCATE", False),
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The hash chain over the audit trail (lantern/audit/sealing.py). The key of its HMAC: set it
# apart from SECRET_KEY in production, so the secret key can be changed without breaking the
# chain; empty derives one from SECRET_KEY. Events are sealed once they are this many seconds
# old, so a transaction still open with a lower id is not passed over.
AUDIT_SEAL_KEY = os.environ.get("AUDIT_SEAL_KEY", "")
AUDIT_SEAL_SETTLE_SECONDS = env_int("AUDIT_SEAL_SETTLE_SECONDS", 60)

_redis_url = os.environ.get("REDIS_URL", "")
if _redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
        }
    }
else:
    # Rate limits must be shared by every web process, so without Redis the cache is a table
    # (created by `manage.py createcachetable`, which make run and the test runner call).
    # Past MAX_ENTRIES rows the table drops a third of its entries, live counters included, so
    # the bound is set far above what rate limits need (expired rows go first).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "lantern_cache",
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Django's list above is mostly shorter than 12; this one is the 5,000 most common passwords
    # of 12 characters or more (lantern/enrollment/data/README.md names its source and licence).
    {"NAME": "lantern.enrollment.validators.CommonLongPasswordValidator"},
    {"NAME": "lantern.enrollment.validators.RepeatedOrSequentialValidator"},
    {"NAME": "lantern.enrollment.validators.MaximumLengthValidator"},
    {"NAME": "lantern.enrollment.validators.PersonalDetailsValidator"},
    {"NAME": "lantern.enrollment.validators.BreachedPasswordValidator"},
]
# A file of SHA-1 hashes of breached passwords (one upper-case hash per line, sorted, in the
# format of the downloadable Pwned Passwords list). None is bundled: the check is off without it,
# and `manage.py check --deploy` warns (lantern.enrollment.W001) until it is set.
BREACHED_PASSWORDS_FILE = os.environ.get("BREACHED_PASSWORDS_FILE", "")
# How long an activation code that staff issue for a patient stays valid.
ACTIVATION_CODE_DAYS = env_int("ACTIVATION_CODE_DAYS", 30)

# Family and proxy access (lantern.access.policy). A parent has what the relationship grants until
# the child turns PROXY_TEEN_AGE; from then only PROXY_TEEN_SECTIONS of it (no messages, notes or
# documents by default); at PROXY_ADULT_AGE a parent's access ends unless a guardianship is
# recorded. Sections: record, results, notes, messages, appointments, medications, downloads.
PROXY_TEEN_AGE = env_int("PROXY_TEEN_AGE", 12)
PROXY_ADULT_AGE = env_int("PROXY_ADULT_AGE", 18)
PROXY_TEEN_SECTIONS = env_list("PROXY_TEEN_SECTIONS", "record,results,appointments,medications")
# How long an invitation to act for a patient can be accepted.
PROXY_INVITATION_DAYS = env_int("PROXY_INVITATION_DAYS", 14)

# Database sessions, each read in one plain statement (lantern/accounts/session_store.py).
SESSION_ENGINE = "lantern.accounts.session_store"
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
# Sessions: signed out after this long without a request (warned a minute before), and after
# SESSION_ABSOLUTE_SECONDS from sign-in whatever happens (lantern.accounts.middleware).
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 15 * 60)
# A password reset link works once, for an hour.
PASSWORD_RESET_TIMEOUT = 60 * 60
# Optional: a MaxMind GeoLite2 City database, to show a city for each sign-in's address.
GEOIP_PATH = os.environ.get("GEOIP_PATH", "")

# Sign-in throttling (django-axes). Five wrong passwords for one username lock that username (and
# so every pair of it with an address) for 15 minutes after the last failure. An address alone is
# not locked by axes: behind a proxy or a clinic's network many patients share one, so one person
# must not lock everyone out. Instead an address is refused after
# SIGN_IN_FAILURES_PER_ADDRESS_PER_HOUR wrong passwords in an hour (lantern.accounts.sign_in). A
# success clears only its own username's failures (axes resets by each lockout parameter, and
# none is the address alone), so signing in to one's own account cannot clear the count against
# someone else's. Failures during a lock are not counted, so the page can say when it ends.
# Unknown usernames are counted exactly like real ones, so a lock reveals nothing.
AXES_FAILURE_LIMIT = 5
AXES_VERBOSE = False
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
SIGN_IN_FAILURES_PER_ADDRESS_PER_HOUR = env_int("SIGN_IN_FAILURES_PER_ADDRESS_PER_HOUR", 100)
# Hard caps (NIST SP 800-63B 5.2.2): after this many wrong passwords in a row for one username,
# or wrong second-factor codes in a row for one account, that step is paused until the password
# is reset by email or staff of the patient's clinic lift the pause. 100 is NIST's maximum.
ACCOUNT_PAUSE_AFTER_FAILURES = env_int("ACCOUNT_PAUSE_AFTER_FAILURES", 100)
# Email confirmation links an account may ask to be sent again, per hour.
EMAIL_CONFIRMATIONS_PER_HOUR = env_int("EMAIL_CONFIRMATIONS_PER_HOUR", 5)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "lantern.accounts.views.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
AXES_CLIENT_IP_CALLABLE = "lantern.core.client_address.client_ip"

# Patient pages, emails and text messages in English and Spanish (issue 17); staff pages may stay
# in English. A signed-in person's choice (account settings) wins; before signing in, the
# language chosen in the page header (a cookie), then the browser's Accept-Language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
# The frame's own catalog (templates/); each app keeps its catalog in lantern/<app>/locale/.
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "lantern.core.static_storage.StaticFilesStorage"},
}
# Uploaded files (message attachments) live outside any web root and are served only through
# the access layer.
PRIVATE_FILES_ROOT = Path(os.environ.get("PRIVATE_FILES_ROOT", VAR_DIR / "private"))

# dj-email-url drops the first "/" of a file path, hence the four slashes for an absolute one.
_email = dj_email_url.parse(os.environ.get("EMAIL_URL") or f"file:///{VAR_DIR / 'mail'}")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 10

# The clinic this deployment serves: shown on pages and in emails.
CLINIC_NAME = os.environ.get("CLINIC_NAME", "Lantern Health")
# Email comes from the clinic, by name; `check --deploy` warns while the address is @localhost.
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", formataddr((CLINIC_NAME, "no-reply@localhost"))
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMERGENCY_NUMBER = os.environ.get("EMERGENCY_NUMBER", "911")
# How many business days the clinic takes to answer a prescription refill request, as the
# patient is told when they ask.
REFILL_ANSWER_DAYS = env_int("REFILL_ANSWER_DAYS", 3)
# How weight and height are shown to accounts that have not chosen: "metric" or "us" (lb and
# feet and inches beside kg and cm).
DEFAULT_BODY_UNITS = os.environ.get("DEFAULT_BODY_UNITS", "metric")
# The installable app (lantern/webapp): the name under its icon on a phone's home screen (about
# 12 characters fit; by default the clinic's name, or its first word when the name is longer)
# and the colour of the phone's status bar while it is open.
CLINIC_SHORT_NAME = os.environ.get(
    "CLINIC_SHORT_NAME",
    CLINIC_NAME if len(CLINIC_NAME) <= 12 else (CLINIC_NAME.split() or [CLINIC_NAME])[0][:12],
)
THEME_COLOR = os.environ.get("THEME_COLOR", "#005ea2")
# "Contact support" on the help centre (lantern/support): requests one source address may send
# in an hour, requests from everyone together in an hour, and where the notice that one came in
# goes (empty: the clinic's administrators with a confirmed email address).
SUPPORT_REQUESTS_PER_HOUR = env_int("SUPPORT_REQUESTS_PER_HOUR", 5)
SUPPORT_REQUESTS_PER_HOUR_TOTAL = env_int("SUPPORT_REQUESTS_PER_HOUR_TOTAL", 100)
SUPPORT_NOTICE_EMAIL = os.environ.get("SUPPORT_NOTICE_EMAIL", "")

# Secure messages: the answer time promised on every compose page, and the attachment limits.
MESSAGE_REPLY_BUSINESS_DAYS = env_int("MESSAGE_REPLY_BUSINESS_DAYS", 3)
MESSAGE_ATTACHMENT_MAX_BYTES = env_int("MESSAGE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
MESSAGE_ATTACHMENTS_PER_MESSAGE = env_int("MESSAGE_ATTACHMENTS_PER_MESSAGE", 5)
# The message pool (shared inbox) of a clinic that "Request an appointment" writes to; a clinic
# without a pool of that name gets the request in its first active pool.
APPOINTMENT_REQUEST_POOL = os.environ.get("APPOINTMENT_REQUEST_POOL", "Scheduling")
# The largest request body accepted at all: a message with every attachment at its largest, plus
# a margin for the text and form fields. Larger requests get a 413 page before being read
# (lantern.core.request_size). Form fields other than files are limited as well.
REQUEST_BODY_MAX_BYTES = env_int(
    "REQUEST_BODY_MAX_BYTES",
    MESSAGE_ATTACHMENT_MAX_BYTES * MESSAGE_ATTACHMENTS_PER_MESSAGE + 1024 * 1024,
)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)

# Notifications. Links in emails and text messages start with PUBLIC_BASE_URL (the address
# patients use). SMS_SENDER is the dotted path of the text-message sender; the default keeps
# messages in the database for staff to read (see lantern/notifications/senders.py to plug in a
# gateway). A message is given up after NOTIFICATION_MAX_ATTEMPTS failed deliveries.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:8000")
SMS_SENDER = os.environ.get("SMS_SENDER", "lantern.notifications.senders.OutboxSmsSender")
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 6)


def _env_offsets(name: str, default: str) -> list[datetime.timedelta]:
    """A comma-separated list of durations such as "3d,1d,2h,30m" (days, hours, minutes)."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    offsets = []
    for item in env_list(name, default):
        number, unit = item[:-1], item[-1:].lower()
        if unit not in units or not number.isdigit() or int(number) == 0:
            raise ImproperlyConfigured(
                f"Environment variable {name} must list durations such as 3d,1d,2h,30m, "
                f"not {item!r}."
            )
        offsets.append(datetime.timedelta(**{units[unit]: int(number)}))
    return sorted(set(offsets), reverse=True)


def _env_quiet_hours(name: str, default: str) -> tuple[datetime.time, datetime.time]:
    """Two local times, "21:00-08:00": from the first to the second no text message is sent."""
    value = os.environ.get(name) or default
    try:
        start, end = (datetime.time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as error:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be two times such as 21:00-08:00, not {value!r}."
        ) from error
    return start, end


# Appointment reminders: how long before a visit each is sent (by email and, to those who chose
# it, text message), and the hours in the location's time zone when no text is sent (a text due
# then waits until they end; an email is sent on time). `manage.py send_appointment_reminders`
# sends those due; run it every minute or two.
APPOINTMENT_REMINDER_OFFSETS = _env_offsets("APPOINTMENT_REMINDER_OFFSETS", "3d,1d")
APPOINTMENT_SMS_QUIET_HOURS = _env_quiet_hours("APPOINTMENT_SMS_QUIET_HOURS", "21:00-08:00")
# How long a patient on the waitlist has to accept an earlier time offered to them.
WAITLIST_OFFER_MINUTES = env_int("WAITLIST_OFFER_MINUTES", 60)

# Account recovery emails (forgot username / password) allowed per source address per hour.
RECOVERY_REQUESTS_PER_HOUR = env_int("RECOVERY_REQUESTS_PER_HOUR", 10)

# Passkeys (WebAuthn) are bound to the portal's domain and the origins it is served from.
OTP_WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "localhost")
OTP_WEBAUTHN_RP_NAME = CLINIC_NAME
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("WEBAUTHN_ORIGINS", "http://localhost:8000")
# Passkeys are a second factor only, after the password; never a way to skip it.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# Second factors (django-otp). Wrong codes wait 1, 2, 4, 8... seconds per device; email and text
# codes last 10 minutes; the authenticator app shows the clinic's name.
OTP_TOTP_ISSUER = CLINIC_NAME
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_EMAIL_THROTTLE_FACTOR = 1
OTP_EMAIL_TOKEN_VALIDITY = 10 * 60
OTP_SMS_THROTTLE_FACTOR = 1

# SMART on FHIR (django-oauth-toolkit). The FHIR base URL is PUBLIC_BASE_URL + "/fhir/r4"; an
# app's `aud` must name it. The OpenID Connect signing key (RSA, PEM) comes from the environment
# (OIDC_RSA_PRIVATE_KEY) or, on a developer's machine, from VAR_DIR/oidc-key.pem, which `make run`
# creates like the secret key; without one, `manage.py check --deploy` fails (fhir_api.E001).
FHIR_BASE_URL = PUBLIC_BASE_URL.rstrip("/") + "/fhir/r4"
_oidc_key = os.environ.get("OIDC_RSA_PRIVATE_KEY", "")
if not _oidc_key and (VAR_DIR / "oidc-key.pem").is_file():
    _oidc_key = (VAR_DIR / "oidc-key.pem").read_text()
SMART_ACCESS_TOKEN_SECONDS = env_int("SMART_ACCESS_TOKEN_SECONDS", 3600)
if not 0 < SMART_ACCESS_TOKEN_SECONDS <= 3600:
    raise ImproperlyConfigured("SMART_ACCESS_TOKEN_SECONDS must be between 1 and 3600.")
# How long a refresh token (offline_access) lives after its access token expired: 90 days.
SMART_REFRESH_TOKEN_SECONDS = env_int("SMART_REFRESH_TOKEN_SECONDS", 90 * 24 * 3600)
# The toolkit's own models, named so migrations can depend on them (they are not swapped).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 (a model name)
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105 (a model name)
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105 (a model name)
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "lantern.fhir_api.oauth.SmartValidator",
    "SCOPES_BACKEND_CLASS": "lantern.fhir_api.oauth.SmartScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": SMART_ACCESS_TOKEN_SECONDS,
    "ID_TOKEN_EXPIRE_SECONDS": SMART_ACCESS_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": SMART_REFRESH_TOKEN_SECONDS,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "PKCE_REQUIRED": True,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    # Every consent is asked for: a patient sees what an app gets each time it asks.
    "REQUEST_APPROVAL_PROMPT": "force",
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _oidc_key,
    "OIDC_ISS_ENDPOINT": PUBLIC_BASE_URL.rstrip("/") + "/oauth",
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_post", "client_secret_basic"],
    # Apps on a phone or a laptop redirect to http://127.0.0.1:<any port>/ (RFC 8252).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    # Tokens are kept only as their SHA-256 checksum.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# The FHIR importer: how many processes validate resources (0 means one per core).
IMPORT_WORKERS = env_int("IMPORT_WORKERS", 0)

# The HL7 v2 listener (`manage.py hl7_listen`): the character set of messages whose MSH-18 is
# empty, and how many seconds a connection may stay silent before it is closed (senders
# reconnect). HL7 says an empty MSH-18 means ASCII; UTF-8 reads every ASCII message exactly as
# ASCII does, and also the UTF-8 that labs send without saying so ("µmol/L"). Bytes that are not
# UTF-8 are still answered AR. "ASCII" refuses anything else; "8859/1" reads a Latin-1 sender.
HL7V2_DEFAULT_CHARACTER_SET = os.environ.get("HL7V2_DEFAULT_CHARACTER_SET", "UTF-8")
HL7V2_IDLE_TIMEOUT = env_int("HL7V2_IDLE_TIMEOUT", 300)

# Logs never carry health information: only ids, counts and outcomes.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
