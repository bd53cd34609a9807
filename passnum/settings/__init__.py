"""Default settings: the embedded configuration (SQLite, in-process tasks).

Set DATABASE_URL and REDIS_URL to run on PostgreSQL with a Celery worker.
Production uses ``passnum.settings.production``.
"""

from .base import *  # noqa: F403
