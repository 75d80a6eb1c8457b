"""Settings for renkei, read from typed environment variables only.

Every ``RENKEI_*`` name read here is documented in docs/configuration.md
(test_configuration_is_documented fails otherwise).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from renkei.lib.env import (
    envbool,
    envclosure,
    envfloat,
    envint,
    envsecret,
    envstr,
    parse_cache_url,
    parse_database_url,
    write_private,
)

BASE_DIR = Path(__file__).resolve().parent

RENKEI_HOME = Path(envstr("RENKEI_HOME", "./var")).resolve()
RENKEI_HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = envsecret("RENKEI_SECRET_KEY")
    if configured:
        return configured
    # A generated key kept in the data directory survives restarts without
    # the operator having to invent one for a single-machine install.
    path = RENKEI_HOME / "secret_key"
    write_private(path, secrets.token_urlsafe(50), replace=False)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("RENKEI_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in envstr("RENKEI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in envstr("RENKEI_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
SITE_URL = envstr("RENKEI_SITE_URL", "http://127.0.0.1:8000")

# Domain settings
RENKEI_TIME_ZONE = envstr("RENKEI_TIME_ZONE", "Asia/Tokyo")
RENKEI_HOME_COUNTRY = envstr("RENKEI_HOME_COUNTRY", "JP").upper()
RENKEI_YEAR_END_CLOSURE = envclosure("RENKEI_YEAR_END_CLOSURE", "12-29..01-03")
RENKEI_DEDUP_WINDOW_DAYS = envint("RENKEI_DEDUP_WINDOW_DAYS", 30)
RENKEI_IMPORT_BATCH_SIZE = envint("RENKEI_IMPORT_BATCH_SIZE", 5000)
RENKEI_IMPORT_COMMIT_SECONDS = envfloat(
    "RENKEI_IMPORT_COMMIT_SECONDS", 2.0, most=4,
    why="during an import other programs writing to the SQLite database may wait 5 s more "
    "than this and a batch, and SQLite gives up after its 10 s busy timeout "
    "(lib/grouped_commits.py)",
)  # fmt: skip

INSTALLED_APPS = [
    "renkei.accounts.admin_site.RenkeiAdminConfig",  # django.contrib.admin, its site audited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "renkei.accounts",
    "renkei.intake",
    "renkei.incidents",
    "renkei.coordination",
    "renkei.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "renkei.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "renkei.accounts.middleware.UserLanguageMiddleware",
    "renkei.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "renkei.urls"
WSGI_APPLICATION = "renkei.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def _databases() -> dict[str, dict[str, object]]:
    default_url = f"sqlite:///{RENKEI_HOME / 'renkei.sqlite3'}"
    config = parse_database_url(envstr("RENKEI_DATABASE_URL", "") or default_url)
    if config.is_sqlite:
        name = Path(config.name)
        if not name.is_absolute():
            name = Path.cwd() / name
        return {
            "default": {
                "ENGINE": config.engine,
                "NAME": str(name),
                "OPTIONS": {
                    # WAL lets the web process read while the worker writes;
                    # IMMEDIATE avoids "database is locked" on lock upgrades.
                    "init_command": (
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                        "PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536; "
                        # A bulk import lets the WAL grow (lib/sqlbulk.py); shrink it after.
                        "PRAGMA journal_size_limit=67108864;"
                    ),
                    "transaction_mode": "IMMEDIATE",
                },
                # One test database per process: test runs side by side never share it.
                "TEST": {"NAME": str(RENKEI_HOME / f"test-{os.getpid()}.sqlite3")},
            }
        }
    return {
        "default": {
            "ENGINE": config.engine,
            "NAME": config.name,
            "USER": config.user,
            "PASSWORD": config.password,
            "HOST": config.host,
            "PORT": config.port,
            "CONN_MAX_AGE": envint("RENKEI_DB_CONN_MAX_AGE", 60),
            # JIT compilation costs 50-100 ms whenever a LIMIT query's estimated
            # total is high (the triage queue's pages), far more than it saves.
            "OPTIONS": {"options": "-c jit=off"},
            "TEST": {"NAME": f"test_{config.name}_{os.getpid()}"},
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work: the database queue by default, Redis/RQ to scale out.
RENKEI_TASKS_BACKEND = envstr("RENKEI_TASKS_BACKEND", "db")
RENKEI_REDIS_URL = envstr("RENKEI_REDIS_URL", "redis://127.0.0.1:6379/0")
_TASK_BACKENDS = {
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
}
TASKS = {"default": _TASK_BACKENDS[RENKEI_TASKS_BACKEND]}
# No time limit, as on the database queue: RQ kills a job after 180 s by default, and an
# import of a large file runs for minutes.
RQ_QUEUES = {"default": {"URL": RENKEI_REDIS_URL, "DEFAULT_TIMEOUT": -1}}

LANGUAGE_CODE = envstr("RENKEI_LANGUAGE", "ja")
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = RENKEI_TIME_ZONE
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = RENKEI_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing one before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = RENKEI_HOME / "media"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("RENKEI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Behind a proxy that ends TLS, a request is HTTPS when the proxy says so (it must set
# X-Forwarded-Proto itself, replacing any the client sent): without it every request
# looked like plain HTTP to Django, and an HTTPS page's form posts failed the origin check.
if envbool("RENKEI_BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("RENKEI_HSTS_SECONDS", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("RENKEI_LOG_LEVEL", "WARNING")},
}

# Console and coordination (docs/configuration.md, "Console and coordination")
RENKEI_REQUIRE_2FA = envbool("RENKEI_REQUIRE_2FA", False)
RENKEI_LOGIN_MAX_FAILURES = envint("RENKEI_LOGIN_MAX_FAILURES", 10)
RENKEI_LOGIN_MAX_ACCOUNT_FAILURES = envint("RENKEI_LOGIN_MAX_ACCOUNT_FAILURES", 100)
RENKEI_LOGIN_LOCKOUT_SECONDS = envint("RENKEI_LOGIN_LOCKOUT_SECONDS", 900)
RENKEI_CENTER_NAME = envstr("RENKEI_CENTER_NAME", "renkei CSIRT")
RENKEI_SMTP_HOST = envstr("RENKEI_SMTP_HOST", "")
RENKEI_SMTP_PORT = envint("RENKEI_SMTP_PORT", 587)
RENKEI_SMTP_STARTTLS = envbool("RENKEI_SMTP_STARTTLS", True)
RENKEI_SMTP_SSL = envbool("RENKEI_SMTP_SSL", False)
RENKEI_SMTP_CA_FILE = envstr("RENKEI_SMTP_CA_FILE", "")
RENKEI_SMTP_USER = envstr("RENKEI_SMTP_USER", "")
RENKEI_SMTP_PASSWORD = envsecret("RENKEI_SMTP_PASSWORD")
RENKEI_SMTP_TIMEOUT = envint("RENKEI_SMTP_TIMEOUT", 30)
RENKEI_SMTP_FROM = envstr("RENKEI_SMTP_FROM", "renkei@localhost")
RENKEI_GPG_HOME = envstr("RENKEI_GPG_HOME", str(RENKEI_HOME / "gnupg"))
RENKEI_GPG_KEY_ID = envstr("RENKEI_GPG_KEY_ID", "")
RENKEI_NOTIFY_MAX_ATTEMPTS = envint("RENKEI_NOTIFY_MAX_ATTEMPTS", 5)
RENKEI_NOTIFY_RETRY_SECONDS = envint("RENKEI_NOTIFY_RETRY_SECONDS", 60)
EMAIL_BACKEND = "renkei.lib.mail.EmailBackend"
DEFAULT_FROM_EMAIL = RENKEI_SMTP_FROM
OTP_TOTP_ISSUER = RENKEI_CENTER_NAME

# Intake channels (docs/configuration.md, "Intake")
RENKEI_SUBMIT_ENABLED = envbool("RENKEI_SUBMIT_ENABLED", True)
# Shared by every process that counts rate limits or caches figures: a directory
# of RENKEI_HOME by default (the web processes of one host), Redis across hosts.
CACHES = {"default": parse_cache_url(envstr("RENKEI_CACHE_URL", "file://"), RENKEI_HOME)}
RENKEI_SUBMIT_RATE_LIMIT = envint("RENKEI_SUBMIT_RATE_LIMIT", 10)
RENKEI_SUBMIT_RATE_WINDOW = envint("RENKEI_SUBMIT_RATE_WINDOW", 3600)
# Per user, over both submit endpoints; 0: no limit.
RENKEI_API_SUBMIT_RATE_LIMIT = envint("RENKEI_API_SUBMIT_RATE_LIMIT", 1200)
RENKEI_API_SUBMIT_RATE_WINDOW = envint("RENKEI_API_SUBMIT_RATE_WINDOW", 3600)
RENKEI_SUBMIT_MAX_FILES = envint("RENKEI_SUBMIT_MAX_FILES", 3)
RENKEI_SUBMIT_MAX_FILE_BYTES = envint("RENKEI_SUBMIT_MAX_FILE_BYTES", 5 * 1024 * 1024)
RENKEI_PROXY_HOPS = envint("RENKEI_PROXY_HOPS", 0)
RENKEI_MAIL_MAX_BYTES = envint("RENKEI_MAIL_MAX_BYTES", 50 * 1024 * 1024)
RENKEI_ATTACHMENT_MAX_BYTES = envint("RENKEI_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
RENKEI_ARCHIVE_MAX_BYTES = envint("RENKEI_ARCHIVE_MAX_BYTES", 200 * 1024 * 1024)
RENKEI_ATTACHMENT_INSPECT_SECONDS = envint("RENKEI_ATTACHMENT_INSPECT_SECONDS", 20)
RENKEI_GPG_PASSPHRASE = envsecret("RENKEI_GPG_PASSPHRASE")
RENKEI_SMTPD_HOST = envstr("RENKEI_SMTPD_HOST", "127.0.0.1")
RENKEI_SMTPD_PORT = envint("RENKEI_SMTPD_PORT", 8025)
RENKEI_IMAP_HOST = envstr("RENKEI_IMAP_HOST", "")
RENKEI_IMAP_PORT = envint("RENKEI_IMAP_PORT", 993)
RENKEI_IMAP_SSL = envbool("RENKEI_IMAP_SSL", True)
RENKEI_IMAP_USER = envstr("RENKEI_IMAP_USER", "")
RENKEI_IMAP_PASSWORD = envsecret("RENKEI_IMAP_PASSWORD")
RENKEI_IMAP_FOLDER = envstr("RENKEI_IMAP_FOLDER", "INBOX")
RENKEI_IMAP_DONE_FOLDER = envstr("RENKEI_IMAP_DONE_FOLDER", "")
RENKEI_IMAP_INTERVAL = envint("RENKEI_IMAP_INTERVAL", 60)
RENKEI_IMAP_FETCH_BYTES = envint("RENKEI_IMAP_FETCH_BYTES", 64 * 1024 * 1024)
RENKEI_API_BATCH_MAX = envint("RENKEI_API_BATCH_MAX", 1000)
RENKEI_API_PAGE_MAX = envint("RENKEI_API_PAGE_MAX", 500)
# The API's feed of incident changes holds back the latest seconds
# (incidents/selectors.py, changes_settled).
RENKEI_API_CHANGES_SETTLE_SECONDS = envint("RENKEI_API_CHANGES_SETTLE_SECONDS", 5)
