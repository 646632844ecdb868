"""Samraad settings: one file, read from the environment (django-environ).

Production must set every secret explicitly; nothing here has a usable default for
`SECRET_KEY`, `DATABASE_URL` or the CPR keys. `make run` and `make test` point
`SAMRAAD_ENV_FILE` at `config/dev.env`, which supplies development values. Variables that
are already set in the environment always win over that file.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = os.environ.get("SAMRAAD_ENV_FILE")
if _env_file:
    _env_path = Path(_env_file)
    if not _env_path.is_absolute():
        _env_path = BASE_DIR / _env_path
    if not _env_path.is_file():
        raise ImproperlyConfigured(f"SAMRAAD_ENV_FILE points at a missing file: {_env_path}")
    environ.Env.read_env(_env_path, overwrite=False)


def _require(name: str) -> str:
    """Return a non-empty environment variable or stop the start-up with its name."""
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(name: str, default: bool) -> bool:
    """A strict boolean: a typo such as DEBUG=flase stops the start instead of guessing."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be on or off (true/false, 1/0), not {raw!r}.")


DEBUG = _bool("DEBUG", default=False)
SECRET_KEY = _require("SECRET_KEY")
if not DEBUG and (SECRET_KEY.startswith("dev-") or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 32 characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

# --- Applications ---------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "pgtrigger",
    "django_celery_beat",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "accounts",
    "coordination",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.DanishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionPolicyMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "coordination.audit.AuditMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coordination.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------

DATABASES = {"default": env.db_url_config(_require("DATABASE_URL"))}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _name = Path(str(_db["NAME"]))
    if str(_name) != ":memory:" and not _name.is_absolute():
        _db["NAME"] = str(BASE_DIR / _name)
        (BASE_DIR / _name).parent.mkdir(parents=True, exist_ok=True)
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT made filtered counts 5x slower on our data (architecture.md).
    _db.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    raise ImproperlyConfigured(f"Unsupported database engine: {_db['ENGINE']}")
_db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
_db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username/address is refused before a password is tried.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_USER_OBJ_PERMS_MODEL = "guardian.UserObjectPermission"
ANONYMOUS_USER_NAME = None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "coordination:case_list"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # older hashes upgrade at next login
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Two-factor login (django-otp, TOTP with recovery codes) for every user. Only the `make
# run` demo (config/dev.env) turns it off, so a first look needs no authenticator app.
OTP_REQUIRED = _bool("OTP_REQUIRED", default=True)
OTP_TOTP_ISSUER = "Samråd"
# django-axes: lock a username from an address after this many failures, for this long.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Internationalisation: Danish first -----------------------------------------------

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
# Sessions end after this long without activity, and in any case this long after login
# (accounts.middleware.SessionPolicyMiddleware); the cookie lives no longer than that.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=10 * 60 * 60)
if not 60 <= SESSION_IDLE_TIMEOUT <= SESSION_ABSOLUTE_LIFETIME:
    raise ImproperlyConfigured(
        "SESSION_IDLE_TIMEOUT must be 60 s or more and at most the lifetime."
    )
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HTTPS: redirect, and tell browsers to insist on it (off only for plain-HTTP local runs).
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
if _bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content Security Policy (django-csp): everything from this origin, nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

# --- CPR protection -------------------------------------------------------------------
# Fernet keys, newest first (MultiFernet decrypts with any, encrypts with the first), and a
# separate HMAC key for the blind index. Both must live outside the database.


def _fernet_keys(raw: list[str]) -> list[str]:
    keys = [key.strip() for key in raw if key.strip()]
    if not keys:
        raise ImproperlyConfigured("CPR_ENCRYPTION_KEYS must hold at least one Fernet key.")
    for index, key in enumerate(keys):
        try:
            valid = len(base64.urlsafe_b64decode(key.encode())) == 32
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            raise ImproperlyConfigured(
                f"CPR_ENCRYPTION_KEYS entry {index + 1} is not a url-safe base64 32-byte key."
            )
    return keys


CPR_ENCRYPTION_KEYS = _fernet_keys(env.list("CPR_ENCRYPTION_KEYS", default=[]))
CPR_HMAC_KEY = _require("CPR_HMAC_KEY")
if len(CPR_HMAC_KEY) < 32:
    raise ImproperlyConfigured("CPR_HMAC_KEY must be at least 32 characters.")
if CPR_HMAC_KEY.encode() in {base64.urlsafe_b64decode(k.encode()) for k in CPR_ENCRYPTION_KEYS}:
    raise ImproperlyConfigured("CPR_HMAC_KEY must differ from the encryption keys.")

# Where the name of a CPR number comes from (coordination/cpr_register.py): `fake` (the
# demo's names, fictitious ones for other numbers; development only), `none` (typed by the
# user) or `serviceplatformen` (the CPR replica; not part of this build).
CPR_REGISTER = env.str("CPR_REGISTER", default="none").strip().lower()
if CPR_REGISTER == "serviceplatformen":
    raise ImproperlyConfigured(
        "CPR_REGISTER=serviceplatformen is not available in this build: it needs an adapter "
        "for Serviceplatformen's CPR replica look-up (SF1520) with its service agreement "
        "UUID, user system UUID, the authority's CVR number and an OCES3 function "
        "certificate, none of which is configured here. Use CPR_REGISTER=none (names are "
        "typed by the user) until it is."
    )
if CPR_REGISTER not in ("fake", "none"):
    raise ImproperlyConfigured(
        f"CPR_REGISTER must be fake, none or serviceplatformen, not {CPR_REGISTER!r}."
    )
if CPR_REGISTER == "fake" and not DEBUG:
    raise ImproperlyConfigured(
        "CPR_REGISTER=fake gives fictitious names to real CPR numbers: only with DEBUG on."
    )

# --- Audit log ------------------------------------------------------------------------
# The audit digests and seals are HMACs under a key that lives outside the database, so
# someone holding only the database cannot rewrite the log and its seals to match.

AUDIT_HMAC_KEY = _require("AUDIT_HMAC_KEY")
if len(AUDIT_HMAC_KEY) < 32:
    raise ImproperlyConfigured("AUDIT_HMAC_KEY must be at least 32 characters.")
if AUDIT_HMAC_KEY == CPR_HMAC_KEY:
    raise ImproperlyConfigured("AUDIT_HMAC_KEY must differ from CPR_HMAC_KEY.")
# Events are kept this long, then purged by a daily task (Datatilsynet: a set period).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=5 * 365)
if AUDIT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be a positive number of days.")
# Only events older than this are sealed, so a request still committing is never skipped.
AUDIT_SEAL_GRACE_SECONDS = env.int("AUDIT_SEAL_GRACE_SECONDS", default=300)
AUDIT_SEAL_WINDOW = env.int("AUDIT_SEAL_WINDOW", default=10_000)
# Anomaly report thresholds: distinct citizens outside one's own cases in a day, and the
# working day (local time, Monday to Friday) outside which access is reported.
AUDIT_ANOMALY_CITIZENS_PER_DAY = env.int("AUDIT_ANOMALY_CITIZENS_PER_DAY", default=20)
AUDIT_WORKDAY_START_HOUR = env.int("AUDIT_WORKDAY_START_HOUR", default=7)
AUDIT_WORKDAY_END_HOUR = env.int("AUDIT_WORKDAY_END_HOUR", default=18)
if not 0 <= AUDIT_WORKDAY_START_HOUR < AUDIT_WORKDAY_END_HOUR <= 24:
    raise ImproperlyConfigured("AUDIT_WORKDAY_START_HOUR must come before AUDIT_WORKDAY_END_HOUR.")

# --- Reminders ------------------------------------------------------------------------
# Windows of the reminder kinds (coordination/reminders.py); deadlines live in the database.

REMINDER_DUE_SOON_HOURS = env.int("REMINDER_DUE_SOON_HOURS", default=24)
REMINDER_OVERDUE_AFTER_HOURS = env.int("REMINDER_OVERDUE_AFTER_HOURS", default=24)
# Overdue this many days: the case coordinator is told; twice as long: the unit's lead.
REMINDER_ESCALATE_AFTER_DAYS = env.int("REMINDER_ESCALATE_AFTER_DAYS", default=3)
REMINDER_REVIEW_LEAD_DAYS = env.int("REMINDER_REVIEW_LEAD_DAYS", default=7)
REMINDER_CONSENT_LEAD_DAYS = env.int("REMINDER_CONSENT_LEAD_DAYS", default=14)
REMINDER_AGE_BAND_LEAD_DAYS = env.int("REMINDER_AGE_BAND_LEAD_DAYS", default=30)
# Concern reports: remind this many hours before the screening/feedback deadline.
REMINDER_CONCERN_LEAD_HOURS = env.int("REMINDER_CONCERN_LEAD_HOURS", default=12)
# Outcome snapshots (3, 6, 12 months after enrolment): remind this many days ahead.
REMINDER_OUTCOME_LEAD_DAYS = env.int("REMINDER_OUTCOME_LEAD_DAYS", default=7)
# A lokalråd's handleplan not yet approved: its secretariat is reminded this long before
# 1 February, and again on the day.
REMINDER_ACTION_PLAN_LEAD_DAYS = env.int("REMINDER_ACTION_PLAN_LEAD_DAYS", default=14)
# A pending reminder not delivered this long after it was enqueued is enqueued again (the
# broker was down, or a worker died); delivery is idempotent, so a repeat sends nothing twice.
REMINDER_REENQUEUE_AFTER_SECONDS = env.int("REMINDER_REENQUEUE_AFTER_SECONDS", default=300)
if min(REMINDER_DUE_SOON_HOURS, REMINDER_OVERDUE_AFTER_HOURS, REMINDER_ESCALATE_AFTER_DAYS,
       REMINDER_REENQUEUE_AFTER_SECONDS) < 1:  # fmt: skip
    raise ImproperlyConfigured("The REMINDER_* periods must be positive numbers.")
# Links in e-mails point here (e-mails carry a case reference and a link, nothing more).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Retention (sharing-rules.md 6; coordination/lifecycle.py, services/retention.py) -------

# An open case is reviewed this often (a forum may set its own).
RETENTION_REVIEW_MONTHS = env.int("RETENTION_REVIEW_MONTHS", default=6)
# A closed case is deleted this long after closing (a forum may set its own).
RETENTION_CLOSED_MONTHS = env.int("RETENTION_CLOSED_MONTHS", default=12)
# A concern report screened out, or never opened into a case, is deleted after this long.
RETENTION_CONCERN_MONTHS = env.int("RETENTION_CONCERN_MONTHS", default=6)
# A case whose citizen left the band or track without a decision closes after these days.
RETENTION_AGED_OUT_CLOSE_DAYS = env.int("RETENTION_AGED_OUT_CLOSE_DAYS", default=30)
# A citizen with nothing left (no case, concern or consent) is deleted once registered
# this long ago (a registration is kept a while for the case it was made for).
RETENTION_CITIZEN_GRACE_DAYS = env.int("RETENTION_CITIZEN_GRACE_DAYS", default=30)
# The retention run deletes this many cases (or concerns, or citizens) per transaction.
RETENTION_CHUNK_SIZE = env.int("RETENTION_CHUNK_SIZE", default=200)
# An overdue review reminds the lead on the day after; after this many days, the forum's
# coordinating unit.
REMINDER_REVIEW_ESCALATE_DAYS = env.int("REMINDER_REVIEW_ESCALATE_DAYS", default=14)
if min(RETENTION_REVIEW_MONTHS, RETENTION_CHUNK_SIZE, REMINDER_REVIEW_ESCALATE_DAYS) < 1 or min(
    RETENTION_CLOSED_MONTHS, RETENTION_CONCERN_MONTHS, RETENTION_AGED_OUT_CLOSE_DAYS,
    RETENTION_CITIZEN_GRACE_DAYS,
) < 0:  # fmt: skip
    raise ImproperlyConfigured("The RETENTION_* periods must not be negative (reviews: >= 1).")

# --- E-mail ---------------------------------------------------------------------------

vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="samraad@localhost")
# A hung SMTP server must not hold a worker for ever (reminders: coordination/reminders.py).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# --- Celery ---------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="")
if not CELERY_BROKER_URL:
    raise ImproperlyConfigured("Set CELERY_BROKER_URL or REDIS_URL.")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded default: a broker that needs no server (kombu's filesystem transport).
    _queue_dir = BASE_DIR / "var" / "celery" / "queue"
    _processed_dir = BASE_DIR / "var" / "celery" / "processed"
    # The exchange tables; kombu's default is "control" in the working directory.
    _control_dir = BASE_DIR / "var" / "celery" / "control"
    for _dir in (_queue_dir, _processed_dir, _control_dir):
        _dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Installed into django-celery-beat's tables by its scheduler at start.
CELERY_BEAT_SCHEDULE = {
    "expire-grants": {"task": "coordination.tasks.expire_grants", "schedule": 60.0},
    "seal-audit": {"task": "coordination.tasks.seal_audit", "schedule": 300.0},
    "purge-audit": {"task": "coordination.tasks.purge_audit", "schedule": 24 * 60 * 60.0},
    "scan-reminders": {"task": "coordination.tasks.scan_reminders", "schedule": 60.0},
    "send-digests": {"task": "coordination.tasks.send_digests", "schedule": 24 * 60 * 60.0},
    "apply-retention": {
        "task": "coordination.tasks.apply_retention",
        "schedule": crontab(hour=2, minute=30),  # at night: the run deletes in chunks
    },
}

# --- Demo -----------------------------------------------------------------------------

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="")

# --- Logging: no personal data is ever passed to a logger -----------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every PDF step at INFO; only its warnings are worth a line.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "PIL", "axes")},
}

# The cache holds the API's throttle counts (and Django's other short-lived state). Each
# process has its own by default; with several web workers set CACHE_URL to a shared one,
# e.g. redis://127.0.0.1:6379/2 (Django's built-in Redis cache), so a limit is one limit.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

REST_FRAMEWORK = {
    # Token first, so an unauthenticated call gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_RATES": {"cpr": env.str("API_CPR_THROTTLE_RATE", default="30/minute")},
    # JSON everywhere (docs/api.md); no browsable API, whose forms would list every user.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Services raise Django's ValidationError by field; the API answers {"field": [...]}.
    "EXCEPTION_HANDLER": "coordination.api.exceptions.handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# OpenAPI 3 at /api/schema/, Swagger UI at /api/docs/ (from drf-spectacular-sidecar's files:
# no CDN, works offline and under the CSP).
SPECTACULAR_SETTINGS = {
    "TITLE": "Samråd API",
    "DESCRIPTION": (
        "Case coordination for Danish multi-agency crime prevention. The contract is "
        "API.md; this schema adds to it. Authenticate with `Authorization: Token <key>` "
        "(`manage.py drf_create_token <username>`) or a browser session. A CPR number only "
        "ever travels in a request body."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its page describe the API, not data, but only to those who use it.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per vocabulary of architecture.md and sharing-rules.md, wherever a field uses it.
    "ENUM_NAME_OVERRIDES": {
        "CategoryEnum": "coordination.models.choices.Category",
        "LegalBasisEnum": "coordination.models.choices.LegalBasis",
        # Case and CaseDetail share the case's states; actions have states of their own.
        "CaseStatusEnum": "coordination.models.cases.Case.Status",
        "ActionStatusEnum": "coordination.models.actions.Action.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "coordination.api.schema.add_error_responses",
    ],
}
