"""
Settings for the benchmark only (`make bench`): the local settings pointed at
a database of its own, with the changes listed here and nothing else.

- BENCH_DATABASE_URL: a database whose name ends in "_bench"; the bench
  creates and drops it, so it never touches other data.
- BENCH_REDIS_URL: the broker and result store, one Redis database of its
  own (12 unless told), with tasks on a queue named "bench".
- DEBUG is off (as in production) and staff two-step verification is off:
  the load clients sign in with a password only. Production always requires
  it; it costs one indexed query on a staff member's first page of a
  session, so the figures are not flattered by it.
- allauth's per-address rate limits are off, because every client of the
  load tests comes from 127.0.0.1 and would share one limit.
- Passwords use one round of PBKDF2 rather than Django's 1,000,000 so that
  500 sign-ins before the deadline rush do not take minutes of CPU; sign-in
  is not what the rush measures.
- Emails go to bench.mailbox.CountingEmailBackend, which appends one line
  per message to a file shared by every process (locmem cannot cross
  processes), so duplicates can be counted.
"""

import warnings

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from config.settings.local import *  # noqa: F403
from config.settings.local import STORAGES, database, env

DEBUG = False
ROOT_URLCONF = "bench.urls"
STAFF_MFA_REQUIRED = False
ACCOUNT_RATE_LIMITS = False

BENCH_DATABASE_URL = env(
    "BENCH_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/shire_grants_bench"
)
# docs/operations.md: 60 seconds is sensible behind gunicorn.
DATABASES = {
    "default": database(BENCH_DATABASE_URL, conn_max_age=env.int("BENCH_CONN_MAX_AGE", default=60))
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True


class OneRoundPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Only for the benchmark's own throwaway accounts."""

    algorithm = "pbkdf2_sha256_bench"
    iterations = 1


PASSWORD_HASHERS = ["bench.settings.OneRoundPBKDF2PasswordHasher"]

BENCH_REDIS_URL = env("BENCH_REDIS_URL", default="redis://127.0.0.1:6379/12")
REDIS_URL = BENCH_REDIS_URL
CELERY_BROKER_URL = BENCH_REDIS_URL
CELERY_RESULT_BACKEND = BENCH_REDIS_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = "bench"

EMAIL_BACKEND = "bench.mailbox.CountingEmailBackend"
# Logs of the processes the bench starts, the locust plan and statistics,
# and the mailbox: outside the repository.
BENCH_WORK_DIR = env("BENCH_WORK_DIR", default="/tmp/shire-grants-bench")  # noqa: S108
BENCH_MAILBOX = env("BENCH_MAILBOX", default=f"{BENCH_WORK_DIR}/mailbox.txt")

# No collectstatic: plain static URLs, as the test settings do (WhiteNoise
# only warns that there is nothing collected).
warnings.filterwarnings("ignore", "No directory at", UserWarning)
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PRIVATE_MEDIA_ROOT = env(
    "BENCH_PRIVATE_MEDIA_ROOT", default="/tmp/shire-grants-bench-media"  # noqa: S108
)
STORAGES["default"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("BENCH_LOG_LEVEL", default="WARNING")},
}

# The baseline views render bench/templates/bench/baseline.html in the
# service's layout.
TEMPLATES[0]["DIRS"] = [BASE_DIR / "bench" / "templates", *TEMPLATES[0]["DIRS"]]  # noqa: F405
