"""Production settings: everything secret or host-specific comes from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    CELERY_BEAT_SCHEDULE,
    PASSNUM_BEAT_TIMES,
    beat_schedule_with_times,
    env,
    https_settings,
)

DEBUG = False
PASSNUM_PRODUCTION = True
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# Links in e-mails; empty (as docker-compose passes it when unset) means the first host.
PASSNUM_SITE_URL = (
    env("PASSNUM_SITE_URL", default="")
    or f"{'https' if env.bool('PASSNUM_HTTPS', default=True) else 'http'}://{ALLOWED_HOSTS[0]}"
).rstrip("/")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
PASSNUM_CHEQUE_CODE_KEY = env("PASSNUM_CHEQUE_CODE_KEY")
PASSNUM_REQUIRE_MFA = env.bool("PASSNUM_REQUIRE_MFA", default=True)

# --- issue 10: deployment ---------------------------------------------------------------
# Login limits per IP read X-Forwarded-For only behind proxies declared here (0: none, the
# client's own address; with no proxy in front, trusting one would let anyone pick an IP).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("PASSNUM_TRUSTED_PROXY_COUNT", default=0)
# HTTPS, one switch (base.https_settings): on by default; off only when said explicitly.
PASSNUM_HTTPS = env.bool("PASSNUM_HTTPS", default=True)
if not PASSNUM_HTTPS and not env.bool("PASSNUM_ALLOW_PLAIN_HTTP", default=False):
    raise ImproperlyConfigured(
        "PASSNUM_HTTPS=false in production: plain HTTP is for trying the application only; "
        "set PASSNUM_ALLOW_PLAIN_HTTP=true as well to start anyway."
    )
globals().update(https_settings(PASSNUM_HTTPS))
if PASSNUM_HTTPS and not PASSNUM_SITE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "PASSNUM_SITE_URL must start with https:// when PASSNUM_HTTPS is on."
    )
CELERY_BEAT_SCHEDULE = beat_schedule_with_times(CELERY_BEAT_SCHEDULE, PASSNUM_BEAT_TIMES)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    "default": {"BACKEND": "passnum.core.storage.PrivateFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
LOGGING["root"]["level"] = env("DJANGO_LOG_LEVEL", default="INFO")  # noqa: F405
