"""Settings for the test suite: fast hashing, email kept in memory."""

from .base import *  # noqa: F403
from .base import STORAGES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests sign staff in directly; tests/accounts/test_staff_mfa.py turns the
# two-step requirement on and proves it.
STAFF_MFA_REQUIRED = False
# Most tests run tasks eagerly; tests marked `broker` start a real worker.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PRIVATE_MEDIA_ROOT = env("TEST_PRIVATE_MEDIA_ROOT", default="/tmp/shire-grants-test-media")  # noqa: S108
STORAGES["default"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
}
