"""Settings of benchmarks/mediation_bench.py: the project's settings, without debug (no query
log), with MFA required as in production (the bench's mediators need none: no query for it),
with a URL conf that adds the minimal comparison view."""

from passnum.settings.base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "mediation_bench_urls"
LOGGING = {"version": 1, "disable_existing_loggers": False}
PASSNUM_REQUIRE_MFA = True
