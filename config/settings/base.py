"""
Settings shared by every environment.

Every environment variable the project reads is read here, through
django-environ, so that one file lists the whole configuration surface
(docs/operations.md describes each variable).
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# A key for local use only: production.py refuses to start without a real one.
DEV_SECRET_KEY = "insecure-local-development-key-change-me"  # noqa: S105
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Public address of the service, used in links inside emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # OpClass in index expressions (config/postgres.py); its database hooks act on PostgreSQL only.
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "crispy_forms",
    "crispy_forms_gds",
    "django_celery_beat",
    "django_filters",
    "django_fsm",
    "encrypted_model_fields",
    "accounts",
    "applicants",
    "rounds",
    "grants",
    "payments",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffMultiFactorMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers locked-out sign-ins.
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]


def database(url: str, *, conn_max_age: int) -> dict:
    """A DATABASES entry for a database URL, with the settings every process uses."""
    config = env.db_url_config(url)
    config["ATOMIC_REQUESTS"] = False
    config["CONN_MAX_AGE"] = conn_max_age
    if config["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL compiles a query to machine code (JIT) once its
        # estimated cost passes a threshold: worth it for long analytical
        # queries, but it added 100-300 ms to page queries that run in
        # milliseconds (the award list's later pages, the payable payments
        # as they grow; issue 9).
        config.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    return config


# SQLite is the embedded default so that `make run` works on a bare machine;
# production and CI set DATABASE_URL to PostgreSQL.
DATABASES = {
    "default": database(
        env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env.int("DATABASE_CONN_MAX_AGE", default=0),
    ),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out sign-in is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login; applicants confirm their address before
# they can sign in, and messages never reveal whether an account exists.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Leicestershire Community Grants] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Sign-in lockout (django-axes): five failures for one email address from
# one IP address lock that pair for 15 minutes; a success clears the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.lockout.username_of_attempt"
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_VERBOSE = False
# django-axes owns sign-in lockout; allauth's own failed-login limit would
# answer first with a different rule, so it is off (its other limits stay).
ACCOUNT_RATE_LIMITS = {"login_failed": False}

# Two-step verification (allauth MFA): an authenticator app with recovery
# codes. Every staff role must set it up before using the service.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Leicestershire Community Grants"
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=True)

# Sessions end eight hours after sign-in (a working day), whatever the
# activity, and when the browser closes; production.py only hardens the
# cookie. Sensitive actions (changing bank details, approving a payment
# run) also ask the person to confirm who they are if they have not done
# so within the last ACCOUNT_REAUTHENTICATION_TIMEOUT seconds.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE_SECONDS", default=60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("REAUTHENTICATION_TIMEOUT_SECONDS", default=300)

ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "add_email": "accounts.forms.AddEmailForm",
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# GOV.UK Frontend comes from npm (never copied into the repository); the
# council's stylesheet is compiled from assets/scss into build/static.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    BASE_DIR / "build" / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Uploads are private: outside any served path, read only through
        # permission-checked views.
        "OPTIONS": {"location": env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media"))},
    },
    "staticfiles": {"BACKEND": "config.storage.StaticFilesStorage"},
}
# Several web nodes need one place for uploads: with UPLOADS_S3_BUCKET set,
# they go to that S3 bucket (django-storages, `pip install -e '.[s3]'`),
# private, read back through the same permission-checked views. Credentials
# come from the usual AWS environment variables or the instance's role.
UPLOADS_S3_BUCKET = env("UPLOADS_S3_BUCKET", default="")
if UPLOADS_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": UPLOADS_S3_BUCKET,
            "region_name": env("UPLOADS_S3_REGION", default="eu-west-2"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Largest file an applicant may upload, and the virus-scan hook (a dotted
# path to a callable that raises ValidationError for a file it refuses).
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_MEGABYTES", default=10) * 1024 * 1024
UPLOAD_SCANNER = env("UPLOAD_SCANNER", default="applicants.uploads.accept_all")

# Content Security Policy: scripts and styles only from the service's own
# static files; no inline scripts or styles anywhere, no third parties.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Email: the console backend locally; SMTP in production through EMAIL_URL
# (for example smtp+tls://user:password@smtp.example.org:587).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Community Grants <grants@example.org>")

# Fernet key(s) for bank details at rest; several, comma separated, allow
# rotation (the first encrypts, all decrypt). The default is for local use
# only and production.py refuses it.
DEV_FIELD_ENCRYPTION_KEY = "aFcX67LX958bEhG0PicFq4AybdRatNK-haQeahyrrJA="
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[DEV_FIELD_ENCRYPTION_KEY])

# Celery. With no REDIS_URL the tasks run eagerly in the web process, which
# `make run` announces at start-up.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = TIME_ZONE
# A broker that is down must not hang a request: publishing fails fast and
# the notification sweeper re-queues what was not sent.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Sending email can have a queue and workers of its own, so that a deadline
# day's confirmations never wait behind reminder jobs (docs/scaling.md). By
# default email is not routed at all: it goes to the default queue, whichever
# that is (the bench has one of its own), which a single worker consumes.
CELERY_EMAIL_QUEUE = env("CELERY_EMAIL_QUEUE", default="")
CELERY_TASK_ROUTES = (
    {"notifications.tasks.send_notification": {"queue": CELERY_EMAIL_QUEUE}}
    if CELERY_EMAIL_QUEUE else {}
)

# The funder, for 360Giving and the ledger.
FUNDER_ORG_ID = "GB-LAE-LEC"
FUNDER_NAME = "Leicestershire County Council"
GRANT_ID_PREFIX = env("GRANT_ID_PREFIX", default="360G-LEC")
# Days an offer may wait for acceptance before finance and officers see it
# flagged as late (the applicant is reminded earlier, see
# NOTIFICATION_OFFER_REMINDER_DAYS).
OFFER_ACCEPTANCE_DAYS = env.int("OFFER_ACCEPTANCE_DAYS", default=28)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per task is noise when tasks run eagerly in the web process.
        "celery.app.trace": {"level": "WARNING"},
    },
}

# --- Notifications (notifications/, see docs/notifications.md) -------------
# A message that fails for a reason that may pass (network, mail server
# busy) is tried again after 30s, 1, 2, 4 then 5 minutes, and marked failed
# after NOTIFICATION_MAX_ATTEMPTS. The cap stays far below Redis's
# visibility timeout (an hour), so a retry never becomes a long ETA.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
NOTIFICATION_RETRY_BACKOFF_SECONDS = env.int("NOTIFICATION_RETRY_BACKOFF_SECONDS", default=30)
NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS = env.int("NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS", default=300)
# The sweeper leaves a pending row alone this long after it was due, giving
# the on-commit enqueue or the task's own retry the first go; a row claimed
# for sending longer ago than NOTIFICATION_STUCK_AFTER_SECONDS (well beyond
# the send task's hard time limit) lost its worker and is sent again.
NOTIFICATION_PENDING_GRACE_SECONDS = env.int("NOTIFICATION_PENDING_GRACE_SECONDS", default=60)
NOTIFICATION_STUCK_AFTER_SECONDS = env.int("NOTIFICATION_STUCK_AFTER_SECONDS", default=600)
# Days after an offer is made before its members are reminded to accept it.
NOTIFICATION_OFFER_REMINDER_DAYS = env.int("NOTIFICATION_OFFER_REMINDER_DAYS", default=14)
# An SMTP server that stops answering must not hold a worker forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# GOV.UK Notify instead of SMTP: set the API key and the id of an email
# template whose subject is ((subject)) and whose body is ((body)).
GOV_UK_NOTIFY_API_KEY = env("GOV_UK_NOTIFY_API_KEY", default="")
GOV_UK_NOTIFY_EMAIL_TEMPLATE_ID = env("GOV_UK_NOTIFY_EMAIL_TEMPLATE_ID", default="")
GOV_UK_NOTIFY_EMAIL_REPLY_TO_ID = env("GOV_UK_NOTIFY_EMAIL_REPLY_TO_ID", default="")
GOV_UK_NOTIFY_BASE_URL = env("GOV_UK_NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
if GOV_UK_NOTIFY_API_KEY:
    EMAIL_BACKEND = "notifications.backends.GovUKNotifyEmailBackend"

# --- Data protection (accounts/retention.py, docs/security.md) -------------
# How long personal data is kept before `manage.py apply_retention --apply`
# anonymises it. Money figures and references are always kept.
RETENTION_UNSUCCESSFUL_APPLICATION_YEARS = env.int("RETENTION_UNSUCCESSFUL_APPLICATION_YEARS", default=2)
RETENTION_CLOSED_AWARD_YEARS = env.int("RETENTION_CLOSED_AWARD_YEARS", default=7)
RETENTION_INACTIVE_ACCOUNT_YEARS = env.int("RETENTION_INACTIVE_ACCOUNT_YEARS", default=3)
