"""CareMode settings, chosen by environment variables only.

Embedded defaults (no variables set): SQLite file, in-memory channel layer, local outbox, DEBUG off.
Production: DATABASE_URL=postgres://…, REDIS_URL=redis://…, CAREMODE_ENV=production and SECRET_KEY.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CAREMODE_VAR_DIR", BASE_DIR / "var"))

ENVIRONMENT = os.environ.get("CAREMODE_ENV", "demo")  # demo | test | production
PRODUCTION = ENVIRONMENT == "production"
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"


def _demo_secret_key() -> str:
    """A per-checkout key for the demo, generated once and kept out of the repository."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when CAREMODE_ENV=production.")
    SECRET_KEY = _demo_secret_key()

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "oauth2_provider",
    "caremode.core",
    "caremode.accounts",
    "caremode.audit",
    "caremode.signin",
    "caremode.people",
    "caremode.messaging",
    "caremode.scheduling",
    "caremode.monitoring",
    "caremode.rooms",
    "caremode.decisions",
    "caremode.evaluation",
    "caremode.workforce",
    "caremode.feedback",
    "caremode.interop",
    "caremode.records",
    "caremode.seed",
    "caremode.worker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "caremode.signin.middleware.SessionPolicyMiddleware",
    "caremode.signin.middleware.PrivacyHeadersMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Sign-in policy (docs/security.md): staff need a TOTP second factor; sessions end after 30 idle
# minutes and 12 hours in all; sensitive actions ask for the password again after 15 minutes;
# five failed sign-ins from one address lock that username there for 30 minutes.
CAREMODE_REQUIRE_STAFF_OTP = os.environ.get("CAREMODE_REQUIRE_STAFF_OTP", "1") == "1"
SESSION_IDLE_SECONDS = 30 * 60
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
REAUTHENTICATE_AFTER_SECONDS = 15 * 60
OTP_TOTP_ISSUER = "CareMode"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
# By username and address together: guessing one person's password from one place is stopped,
# while nobody elsewhere can lock another's account with five requests, and a trust's staff who
# share a few outgoing addresses do not lock each other out. (Guessing from many addresses is
# slowed by argon2 and stopped by the second factor.)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Video rooms (docs/adr/0007): links in messages start with the public address; STUN/TURN servers
# as the JSON list RTCPeerConnection takes (coturn in production; none is needed on one network);
# CAREMODE_VIDEO_PROVIDER=external with CAREMODE_VIDEO_URL_TEMPLATE ("…/{room}") hands the call
# to a trust's video service while CareMode keeps the waiting, outcomes and fallback.
CAREMODE_BASE_URL = os.environ.get("CAREMODE_BASE_URL", "http://127.0.0.1:8000")
CAREMODE_ICE_SERVERS = json.loads(os.environ.get("CAREMODE_ICE_SERVERS", "[]"))
# The trust's interpreting service (E14): booking a contact for someone who needs an interpreter
# emails it the language, how and when, and a video contact's interpreter link when the room opens.
CAREMODE_INTERPRETING_EMAIL = os.environ.get(
    "CAREMODE_INTERPRETING_EMAIL", "interpreting@caremode.example.nhs.uk"
)
# A video call may begin this many minutes before its booked start and still count as that
# contact (hazard V5b): the clinician can end it, and its outcome is recorded, before the start.
CAREMODE_ROOM_EARLY_JOIN_MINUTES = int(os.environ.get("CAREMODE_ROOM_EARLY_JOIN_MINUTES", "15"))
# Wellbeing pulse: the smallest group with figures (ADR 0010); it cannot be set below 10.
WELLBEING_MIN_GROUP = int(os.environ.get("WELLBEING_MIN_GROUP", "10"))
CAREMODE_VIDEO_PROVIDER = os.environ.get("CAREMODE_VIDEO_PROVIDER", "builtin")
CAREMODE_VIDEO_URL_TEMPLATE = os.environ.get("CAREMODE_VIDEO_URL_TEMPLATE", "")
AXES_RESET_ON_SUCCESS = True

# The FHIR API's token server (caremode.interop): client credentials only, SMART v2 system
# scopes, tokens for one hour, secrets stored hashed.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "caremode.interop.services.ClientScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    # Systems use client credentials only; every other grant keeps to the OAuth 2.0 Security
    # BCP (RFC 9700), as django-oauth-toolkit 4.0 will by default: tokens stored hashed, never
    # taken from a URL's query string, https redirects, no implicit or password grant.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
AXES_LOCKOUT_TEMPLATE = "signin/locked_out.html"
AXES_VERBOSE = False

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "caremode" / "core" / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
    {
        # Django's own templates, for the few built-in pages that need them (none are linked).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'caremode.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and os.environ.get("DB_POOL", "1") == "1"
):
    # Under ASGI, Django's persistent connections are not reused across requests: a pool keeps
    # the number of PostgreSQL connections bounded however many requests are in flight.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
        "timeout": 20,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the demo server and the seed command share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Messages: GOV.UK Notify when a key is set, else the local outbox (readable in the app).
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
NOTIFY_SMS_TEMPLATE_ID = os.environ.get("NOTIFY_SMS_TEMPLATE_ID", "")
NOTIFY_EMAIL_TEMPLATE_ID = os.environ.get("NOTIFY_EMAIL_TEMPLATE_ID", "")

# Monitoring (issue 12): an urgent alert (PHQ-9 question 9 above 0) nobody in the team has
# acknowledged after this many minutes is escalated to the team's managers by email and marked
# on the team page (docs/clinical-safety.md, H-M05). Out of hours nobody may be reading: the
# person is told so at once and given NHS 111, 999 and Samaritans (H-M06).
ALERT_ESCALATION_MINUTES = int(os.environ.get("ALERT_ESCALATION_MINUTES", "60"))
# Days a person may wait after a telephone triage for the fuller assessment before the team is
# alerted (E8; hazard log S16).
TRIAGE_TO_ASSESSMENT_DAYS = int(os.environ.get("TRIAGE_TO_ASSESSMENT_DAYS", "14"))
# Where an urgent alert goes when the team has no manager with an email address (a duty inbox).
ALERT_ESCALATION_FALLBACK_EMAILS = [
    address.strip()
    for address in os.environ.get("ALERT_ESCALATION_FALLBACK_EMAILS", "").split(",")
    if address.strip()
]

# Email to staff (set-password links): the trust's SMTP relay when EMAIL_HOST is set; in the
# demo, each email is a file in var/mail/ that only whoever runs the server can read.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "caremode@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") == "1"
elif PRODUCTION:
    # Set-password links must reach only their person, never a file on the server.
    raise ImproperlyConfigured("EMAIL_HOST must be set when CAREMODE_ENV=production.")
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# Data protection. Mental health records are kept 20 years after the last contact (Records
# Management Code of Practice 2021); `caremode retention` reports what has passed it.
RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "20"))
# Pseudonyms in analytics extracts are keyed hashes of the NHS number: the key never leaves the
# trust, so an extract cannot be linked back without it.
EXTRACT_PSEUDONYM_KEY = os.environ.get("EXTRACT_PSEUDONYM_KEY", "")
if not EXTRACT_PSEUDONYM_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "EXTRACT_PSEUDONYM_KEY must be set when CAREMODE_ENV=production."
        )
    EXTRACT_PSEUDONYM_KEY = SECRET_KEY + ":extract"
# The audit chain's head is exported as signed checkpoints (ADR 0008) to a directory the
# database cannot reach: deploy it append-only or shipped to write-once storage. The key signs
# them (HMAC-SHA256); it is never stored in the database.
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints"))
AUDIT_CHECKPOINT_KEY = os.environ.get("AUDIT_CHECKPOINT_KEY", "")
if not AUDIT_CHECKPOINT_KEY:
    if PRODUCTION:
        # A key derived from SECRET_KEY would let anyone with the app's environment forge them.
        raise ImproperlyConfigured("AUDIT_CHECKPOINT_KEY must be set when CAREMODE_ENV=production.")
    AUDIT_CHECKPOINT_KEY = SECRET_KEY + ":audit-checkpoint"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Checked wherever a person sets their own password (docs/security.md); zxcvbn estimates how
# guessable it is, counting their own names and username as the first words an attacker tries.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {
            "user_attributes": ("username", "first_name", "last_name", "display_name", "email")
        },
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "caremode.signin.passwords.ZxcvbnValidator", "OPTIONS": {"min_score": 3}},
]
# A new member of staff's link to set their own password works once, for three days.
PASSWORD_RESET_TIMEOUT = 72 * 60 * 60
# A forgotten-password link (signin.services.reset_tokens) lives much less than a first one.
PASSWORD_RESET_LINK_MINUTES = 60
LOGIN_URL = "signin:sign_in"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "signin:sign_in"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"  # shown to people; stored as aware UTC datetimes
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "caremode" / "core" / "static_build"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions and cookies: secure by default; the demo on plain http relaxes only the Secure flag.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "caremode.core.error_pages.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
