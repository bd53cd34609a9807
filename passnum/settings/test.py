"""Test settings: the base settings, with fast hashing and in-process tasks.

DATABASE_URL and REDIS_URL are honoured, so CI runs the suite on PostgreSQL and Redis.
"""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSNUM_CHEQUE_CODE_KEY = "passnum-test-cheque-key"
# Text messages are written to a file (tests point it to their own temporary file).
PASSNUM_SMS_BACKEND = "passnum.core.sms.FileBackend"
PASSNUM_SMS_FILE_PATH = str(BASE_DIR / "var" / "test-sms.jsonl")  # noqa: F405
