"""Settings shared by every configuration, read from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="passnum-insecure-development-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tables2",
    "django_filters",
    "passnum.core",
    "passnum.accounts",
    "passnum.audit",
    "passnum.territory",
    "passnum.programme",
    "passnum.organisations",
    "passnum.people",
    "passnum.directory",
    "chequebooks",
    "orientation",
    "mediation",
    "reporting",
    "passnum.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "passnum.accounts.middleware.InactivityTimeoutMiddleware",
    "passnum.organisations.middleware.CurrentOrganisationMiddleware",
    "passnum.accounts.middleware.RequireMFAMiddleware",
]

ROOT_URLCONF = "passnum.urls"
WSGI_APPLICATION = "passnum.wsgi.application"

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
                "passnum.organisations.context_processors.current_organisation",
            ],
            "builtins": ["passnum.core.templatetags.passnum"],
        },
    }
]

# Databases: SQLite is the embedded default; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the cache and Celery's broker when REDIS_URL is set.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Europe/Paris"
CELERY_TASK_IGNORE_RESULT = True
# Periodic tasks (run by `celery beat`); each task is idempotent. Apps add theirs here.
CELERY_BEAT_SCHEDULE = {
    "chequebooks-vintage-end": {
        "task": "chequebooks.tasks.vintage_end_run",
        "schedule": crontab(hour=6, minute=0),
    },
    "orientation-retention": {
        "task": "orientation.tasks.beneficiaries_purge",
        "schedule": crontab(hour=3, minute=30),
    },
    "orientation-referrals-lapse": {
        "task": "orientation.tasks.referrals_lapse",
        "schedule": crontab(hour=4, minute=0),
    },
    "mediation-statements-monthly": {
        "task": "mediation.tasks.statements_issue_monthly",
        "schedule": crontab(day_of_month=1, hour=5, minute=0),
    },
}

# Forms render with the project's templates (templates/django/forms/): label, hint and error
# tied to each field.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
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
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: e-mail login, no public sign-up (invitations only).
ACCOUNT_ADAPTER = "passnum.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "passnum.accounts.forms.LoginForm",
    "reset_password": "passnum.accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "passnum.accounts.forms.ResetPasswordKeyForm",
    "change_password": "passnum.accounts.forms.ChangePasswordForm",
    "reauthenticate": "passnum.accounts.forms.ReauthenticateForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Per-IP limits need the client's address: behind N proxies of ours, allauth reads it from
# X-Forwarded-For (the proxies must set it); with 0, REMOTE_ADDR.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("PASSNUM_TRUSTED_PROXY_COUNT", default=0)
# Login limits (passnum.accounts.adapters): 5 failures in 5 minutes per account (a correct
# password included); per address only a flood guard on every login POST and the failures on
# unknown e-mails (PASSNUM_LOGIN_UNKNOWN_FAILURES_*), so no one behind a shared address can
# lock out the others' correct logins.
ACCOUNT_RATE_LIMITS = {
    "login": "300/m/ip",
    "login_failed": "5/5m/key",
    "reset_password": "5/m/ip,3/5m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Pass numérique Aveyron"

# Passnum's own settings.
PASSNUM_REQUIRE_MFA = env.bool("PASSNUM_REQUIRE_MFA", default=False)
PASSNUM_SESSION_IDLE_SECONDS = env.int("PASSNUM_SESSION_IDLE_SECONDS", default=30 * 60)
PASSNUM_INVITATION_DAYS = env.int("PASSNUM_INVITATION_DAYS", default=7)
# Scheme and host of links in e-mails sent outside a request (Celery tasks), no trailing slash.
PASSNUM_SITE_URL = env("PASSNUM_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Key of the keyed hash of cheque security codes. It must live outside the database.
PASSNUM_CHEQUE_CODE_KEY = env("PASSNUM_CHEQUE_CODE_KEY", default="passnum-development-cheque-key")
PASSNUM_RETENTION_MONTHS = env.int("PASSNUM_RETENTION_MONTHS", default=36)
PASSNUM_REFERRAL_FOLLOW_UP_DAYS = env.int("PASSNUM_REFERRAL_FOLLOW_UP_DAYS", default=14)
PASSNUM_RADAR_STOCK_DAYS = env.int("PASSNUM_RADAR_STOCK_DAYS", default=60)
PASSNUM_RADAR_NOT_STARTED_DAYS = env.int("PASSNUM_RADAR_NOT_STARTED_DAYS", default=60)
PASSNUM_RADAR_EXPIRY_DAYS = env.list("PASSNUM_RADAR_EXPIRY_DAYS", cast=int, default=[30, 60])
PASSNUM_DEMO_PASSWORD = "passnum-demo"
# Bad input (i11): the operator's import file (size, length of a line).
PASSNUM_IMPORT_MAX_BYTES = env.int("PASSNUM_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
PASSNUM_IMPORT_MAX_LINE_CHARS = env.int("PASSNUM_IMPORT_MAX_LINE_CHARS", default=500)
PASSNUM_LOGIN_UNKNOWN_FAILURES_PER_IP = env.int("PASSNUM_LOGIN_UNKNOWN_FAILURES_PER_IP", default=20)
PASSNUM_LOGIN_UNKNOWN_FAILURES_SECONDS = env.int(
    "PASSNUM_LOGIN_UNKNOWN_FAILURES_SECONDS", default=5 * 60
)

SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# Off: a template prints an identifier (a pk in a form value, a cheque or statement number) as
# it is. Figures are grouped the French way by the |number and |euros filters (9 000,
# 1 064 920,00 €), which do not depend on this setting.
USE_THOUSAND_SEPARATOR = False
LOCALE_PATHS = [BASE_DIR / "locale"]

PASSNUM_PRODUCTION = False

STATIC_URL = "/static/"
# Outside production, whitenoise serves static files straight from the apps and static/.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Generated files (print runs, statements, reports) are private: served only through views.
MEDIA_ROOT = env.path("PASSNUM_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/fichiers/"

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env(
    "DJANGO_DEFAULT_FROM_EMAIL",
    default="Pass numérique Aveyron <ne-pas-repondre@passnum.aveyron.fr>",
)

DJANGO_TABLES2_TEMPLATE = "tables/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="WARNING")},
}

# --- reporting: the dashboard's summary tallies are rebuilt every 10 minutes. ---
CELERY_BEAT_SCHEDULE["reporting-summaries-refresh"] = {
    "task": "reporting.tasks.summaries_refresh",
    "schedule": crontab(minute="*/10"),
}

# --- orientation ---------------------------------------------------------------------------
# A referral still unanswered this many days after it was made lapses (Celery beat,
# orientation.tasks.referrals_lapse); an accepted one without a first session, this many days
# after acceptance. The follow-up on the front desk's home shows from
# PASSNUM_REFERRAL_FOLLOW_UP_DAYS.
PASSNUM_REFERRAL_LAPSE_DAYS = env.int("PASSNUM_REFERRAL_LAPSE_DAYS", default=60)
PASSNUM_REFERRAL_LAPSE_ACCEPTED_DAYS = env.int("PASSNUM_REFERRAL_LAPSE_ACCEPTED_DAYS", default=90)
# Version of the information text read to a person before registration (orientation.services).
PASSNUM_CONSENT_TEXT_VERSION = env("PASSNUM_CONSENT_TEXT_VERSION", default="2026-01")

# --- reminders to the person (orientation.services.reminders) -------------------------------
# SMS backend: console (default), file (tests, demo) or Brevo's HTTP API (production):
# PASSNUM_SMS_BACKEND=passnum.core.sms.BrevoBackend with PASSNUM_SMS_API_KEY and
# PASSNUM_SMS_SENDER (11 characters at most). Empty: no SMS, e-mail only.
PASSNUM_SMS_BACKEND = env("PASSNUM_SMS_BACKEND", default="passnum.core.sms.ConsoleBackend")
PASSNUM_SMS_API_KEY = env("PASSNUM_SMS_API_KEY", default="")
PASSNUM_SMS_API_URL = env("PASSNUM_SMS_API_URL", default="https://api.brevo.com")
PASSNUM_SMS_SENDER = env("PASSNUM_SMS_SENDER", default="PassNum12")
PASSNUM_SMS_FILE_PATH = env("PASSNUM_SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms.jsonl"))
# A missed appointment not rebooked after this many days shows on the radar.
PASSNUM_RADAR_MISSED_APPOINTMENT_DAYS = env.int("PASSNUM_RADAR_MISSED_APPOINTMENT_DAYS", default=2)
CELERY_BEAT_SCHEDULE["orientation-reminders"] = {
    "task": "orientation.tasks.reminders_send",
    "schedule": crontab(hour=10, minute=0),
}

# --- deployment (issue 10): HTTPS switch, private files, headers, health, beat ---------------
# HTTPS is one switch: on, cookies are Secure, plain HTTP is redirected and HSTS is sent, all
# together; off, the three are off and login works over plain HTTP ("trying it only").
# Production turns it on and refuses to start with it off unless PASSNUM_ALLOW_PLAIN_HTTP.
PASSNUM_HTTPS = env.bool("PASSNUM_HTTPS", default=False)


def https_settings(on: bool) -> dict:
    """The settings PASSNUM_HTTPS decides, together (README "Configuration")."""
    return {
        "SESSION_COOKIE_SECURE": on,
        "CSRF_COOKIE_SECURE": on,
        "SECURE_SSL_REDIRECT": on,
        "SECURE_HSTS_SECONDS": env.int("DJANGO_SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
        if on
        else 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": on,
        "SECURE_HSTS_PRELOAD": on,
        # The TLS proxy in front says the request came over HTTPS.
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if on else None,
    }


globals().update(https_settings(PASSNUM_HTTPS))

# Private files (print runs with codes in clear, statements, agreements, reports, exports):
# 0600 in 0700 folders, written whole (temporary file, then rename): passnum.core.storage.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES["default"] = {"BACKEND": "passnum.core.storage.PrivateFileSystemStorage"}

# Headers: a strict Content-Security-Policy (django-csp; no inline script or style anywhere),
# Permissions-Policy, and `Cache-Control: no-store, private` on every response to a logged-in
# person and every file download (passnum.core.headers.SecurityHeadersMiddleware).
INSTALLED_APPS += ["django_celery_beat"]
# Right after whitenoise (static files keep their own headers), so that every other response,
# an error answered by an outer middleware included, gets them.
_after_static = MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1
MIDDLEWARE[_after_static:_after_static] = [
    "csp.middleware.CSPMiddleware",
    "passnum.core.headers.SecurityHeadersMiddleware",
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: for the two-factor QR code (an SVG data URI) only.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        # An identity provider's origin (a login redirecting after a form) is added here.
        "form-action": ["'self'", *env.list("PASSNUM_CSP_FORM_ACTION", default=[])],
    }
}
PASSNUM_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# Beat keeps its schedule in the database (django-celery-beat), from CELERY_BEAT_SCHEDULE
# at each start; times can be changed without touching code: PASSNUM_BEAT_TIMES, e.g.
# "mediation-statements-monthly=0 5 1 * *;chequebooks-vintage-end=30 6 * * *" (cron:
# minute hour day-of-month month day-of-week), applied by beat_schedule_with_times below.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
PASSNUM_BEAT_TIMES = dict(
    item.split("=", 1) for item in env("PASSNUM_BEAT_TIMES", default="").split(";") if "=" in item
)


def beat_schedule_with_times(schedule: dict, times: dict) -> dict:
    """CELERY_BEAT_SCHEDULE with the entries named in ``times`` at their cron times."""
    overridden = dict(schedule)
    for name, cron in times.items():
        name, cron = name.strip(), cron.split()
        if name not in overridden or len(cron) != 5:
            raise ValueError(f"PASSNUM_BEAT_TIMES: « {name} » inconnu ou horaire cron invalide")
        minute, hour, day_of_month, month_of_year, day_of_week = cron
        overridden[name] = {
            **overridden[name],
            "schedule": crontab(
                minute=minute,
                hour=hour,
                day_of_month=day_of_month,
                month_of_year=month_of_year,
                day_of_week=day_of_week,
            ),
        }
    return overridden


# A statement's or agreement's PDF whose rendering was lost is queued again (issue 10).
CELERY_BEAT_SCHEDULE["mediation-pdfs-render-missing"] = {
    "task": "mediation.tasks.pdfs_render_missing",
    "schedule": crontab(hour=5, minute=30),
}
# The health endpoint answers over plain HTTP too (the container's healthcheck has no TLS).
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
# collectstatic's target (the image collects at build time; a test collects elsewhere).
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")

# --- ProConnect (issue 15): public agents log in with the State's identity federation,
# through allauth's OpenID Connect provider. Off unless the issuer, client id and secret are
# all set (passnum.accounts.services.proconnect_enabled). Only an existing account or a
# pending invitation with the same e-mail gets in (ProConnectAdapter); logout also ends the
# ProConnect session; the login counts as MFA only if its acr/amr says so.
PROCONNECT_ISSUER = env("PASSNUM_PROCONNECT_ISSUER", default="").rstrip("/")
PROCONNECT_CLIENT_ID = env("PASSNUM_PROCONNECT_CLIENT_ID", default="")
PROCONNECT_CLIENT_SECRET = env("PASSNUM_PROCONNECT_CLIENT_SECRET", default="")
PROCONNECT_PROVIDER_ID = "proconnect"
PROCONNECT_SCOPES = ["openid", "email", "given_name", "usual_name", "siret"]
# acr values of ProConnect meaning a second factor was checked (else amr must hold "mfa").
PROCONNECT_MFA_ACR_VALUES = env.list(
    "PASSNUM_PROCONNECT_MFA_ACR_VALUES",
    default=[
        "eidas2",
        "eidas3",
        "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
        "https://proconnect.gouv.fr/assurance/consistency-checked-2fa",
    ],
)
INSTALLED_APPS += [
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]
SOCIALACCOUNT_ADAPTER = "passnum.accounts.adapters.ProConnectAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_QUERY_EMAIL = False


def proconnect_providers(issuer: str, client_id: str, secret: str) -> dict:
    """allauth's provider settings for ProConnect (empty: off)."""
    if not (issuer and client_id and secret):
        return {}
    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": PROCONNECT_PROVIDER_ID,
                    "name": "ProConnect",
                    "client_id": client_id,
                    "secret": secret,
                    "settings": {
                        "server_url": issuer,
                        "scope": PROCONNECT_SCOPES,
                        "token_auth_method": "client_secret_post",
                    },
                }
            ],
        }
    }


SOCIALACCOUNT_PROVIDERS = proconnect_providers(
    PROCONNECT_ISSUER, PROCONNECT_CLIENT_ID, PROCONNECT_CLIENT_SECRET
)


# The ProConnect login is a form whose answer redirects to the issuer: its origin is allowed
# by the Content-Security-Policy's form-action (issue 10's policy, issue 15's provider).
def csp_with_issuer(policy: dict, issuer: str) -> dict:
    """``policy`` with the identity provider's origin allowed as a form's destination."""
    if not issuer:
        return policy
    from urllib.parse import urlsplit

    parts = urlsplit(issuer)
    directives = dict(policy["DIRECTIVES"])
    directives["form-action"] = [*directives["form-action"], f"{parts.scheme}://{parts.netloc}"]
    return {**policy, "DIRECTIVES": directives}


CONTENT_SECURITY_POLICY = csp_with_issuer(CONTENT_SECURITY_POLICY, PROCONNECT_ISSUER)
