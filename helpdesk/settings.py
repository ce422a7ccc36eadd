"""Settings for the help desk, read from the environment through one ``environ.Env``.

The defaults make a one-command demo: SQLite and a Celery broker on the filesystem
under ``var/``. Production sets ``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL``
(Redis), an anymail ESP and ``SECRET_KEY``, which has no default outside DEBUG.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from kombu import Queue

from helpdesk import logging_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# Production must set its own key: there is deliberately no default unless DEBUG.
SECRET_KEY = env("SECRET_KEY") if not DEBUG else env("SECRET_KEY", default="demo-only-insecure")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "phonenumber_field",
    # Sign-in, two-factor, sessions (docs/sign-in.md); SSO's apps: helpdesk/sso_settings.py
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "anymail",
    "django_prometheus",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The help desk, domain apps first (each imports only those above it in this list;
    # tests/helpdesk/test_architecture.py), then the pages of each kind of user.
    "accounts",
    "sla",
    "tickets",
    "knowledge",
    "surveys",
    "notifications",
    "portal",
    "workspace",
    "dashboard",
    "api",
    "webhooks",
    "helpdesk",
]

MIDDLEWARE = [
    # Requests and latencies per view for /metrics: the first and the last middleware.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # A request id on every log line of the request and in its X-Request-ID response
    # header, and a log line per request (core.request_log): before anything may log.
    "core.request_log.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: too large is refused unread (core.request_limits).
    "core.request_limits.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # allauth's sign-in stages (password, then second factor); each person's sessions.
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # A personal API token signs its person in for one /api/v1/ request, before the
    # organisation's scope is resolved from the person (api.authentication).
    "api.authentication.ApiTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.OrganizationScopeMiddleware",
    # The person's language, which needs their organisation (resolved just above).
    "accounts.middleware.LanguageMiddleware",
    # Who must set up a second factor is sent to (needs the organisation and language).
    "accounts.middleware.SecondFactorMiddleware",
    # Axes last of ours, as its documentation asks, so it sees the final authentication.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# The REST API (/api/v1/, api.views): personal tokens or the session, cursor pages,
# a rate per token (API_RATE, e.g. "600/min").
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.authentication.TokenScopeAllows",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.authentication.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_RATE", default="600/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Help desk API",
    "DESCRIPTION": (
        "Open, follow and answer tickets. Authenticate with a personal API token "
        "(your profile, API tokens) sent as `Authorization: Bearer <token>`; you see "
        "and may do exactly what you see and may do in the help desk's pages."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"ChannelEnum": "sla.models.Channel"},
}

# /metrics answers only with "Authorization: Bearer <METRICS_TOKEN>" (helpdesk.views);
# without a token it does not exist. Each process counts its own requests: under
# gunicorn, set PROMETHEUS_MULTIPROC_DIR to a directory the workers share.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# /healthz answers 503 when the SLA sweep (every minute) last ran longer ago than this.
HEALTH_SWEEP_MAX_AGE_SECONDS = env.int("HEALTH_SWEEP_MAX_AGE_SECONDS", default=180)

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

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
                "csp.context_processors.nonce",
                "accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'helpdesk.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Our pages run short indexed queries; PostgreSQL's JIT compiler only adds start-up
    # time to them (measured ~20 ms on the queue counts at a million tickets).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs web, worker and beat on one SQLite file: wait for locks instead of
    # failing, and take the write lock at BEGIN so two writers never deadlock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: a locked-out address is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# Failed sign-ins: five tries per account and address, then a one-hour cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.forms.axes_username"

# --- Sign-in (django-allauth; docs/sign-in.md) ----------------------------------------
# An address and password (accounts.forms.SignInForm), then any second factor; no sign-up.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_FORMS = {"login": "accounts.forms.SignInForm"}
ACCOUNT_SESSION_REMEMBER = True  # sessions last SESSION_COOKIE_AGE: no "remember me"
ACCOUNT_RATE_LIMITS = {"login_failed": False}  # django-axes alone counts failures
MFA_ADAPTER = "accounts.adapters.MfaAdapter"
USERSESSIONS_ADAPTER = "accounts.adapters.UserSessionsAdapter"  # logs ended sessions
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Help desk")
# WebAuthn over plain HTTP (the demo on 127.0.0.1); production is HTTPS.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=DEBUG)
# Staff set up a second factor first (accounts.middleware); customers when asked to.
STAFF_REQUIRE_MFA = env.bool("STAFF_REQUIRE_MFA", default=not DEBUG)
from helpdesk import sso_settings as _sso  # noqa: E402 - single sign-on, docs/sign-in.md

globals().update(_sso.allauth_settings(env, installed_apps=INSTALLED_APPS))
STAFF_SSO_PROVIDER_ID = _sso.staff_provider_id(env)
STAFF_SSO_DOMAINS = _sso.staff_domains(env)

# A person's pages are in their own language (their profile's, else their
# organisation's default, else their browser's: accounts.middleware.LanguageMiddleware);
# URLs carry no language. Each language is named in itself, so everyone finds their own.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("hu", "Magyar")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates, times and numbers as each language writes them, and the named formats the
# templates use (|date:"DAY_TIME_FORMAT"): helpdesk/formats/<language>/formats.py.
FORMAT_MODULE_PATH = ["helpdesk.formats"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Budapest")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end libraries from npm (package-lock.json): only their built files, no CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/chartjs-plugin-datalabels", NODE_MODULES / "chartjs-plugin-datalabels" / "dist"),
]
# Attachments: on this machine's disk under MEDIA_ROOT (the demo, a single web machine),
# or, with AWS_STORAGE_BUCKET_NAME, in an S3-compatible bucket that every web machine
# shares (django-storages). Keys are attachments/<organisation>/<random> (tickets.models).
# The bucket stays private: downloads check access and stream the object through the app
# (tickets.attachments.download_response), so no URL of the bucket reaches a browser.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
_FILESYSTEM = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": env("MEDIA_ROOT", default=str(VAR_DIR / "media"))},
}
# Credentials are not settings: boto3 finds them (AWS_ACCESS_KEY_ID…, or the machine's role).
_S3 = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        # MinIO and other S3-compatible servers; AWS itself needs none.
        "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
        "region_name": env("AWS_S3_REGION_NAME", default=None),
        # "path" for MinIO; None lets boto3 choose (virtual hosts on AWS).
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default=None),
        # A prefix before every key, for a bucket shared with other data.
        "location": env("AWS_LOCATION", default=""),
        "default_acl": None,  # private: the bucket's policy, never public-read
        # Should a URL of an object ever be made, it is signed (v4: every region and every
        # S3-compatible server takes it; boto3 would sign some URLs with the old v2) and
        # short-lived.
        "signature_version": "s3v4",
        "querystring_auth": True,
        "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=60),
        "file_overwrite": False,
        # A download is read into memory up to this size, then into a temporary file.
        "max_memory_size": 2 * 1024 * 1024,
    },
}
STORAGES = {
    "default": _S3 if AWS_STORAGE_BUCKET_NAME else _FILESYSTEM,
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        ),
    },
}
# Never served from this path: attachment views check access and stream the file.
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security headers -------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Email ------------------------------------------------------------------------
# Production names an anymail ESP backend (e.g. anymail.backends.postmark.EmailBackend)
# and its settings through ANYMAIL_* variables; the demo writes messages to var/mail.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
# SMTP relay (e.g. a mail catcher in docker compose), when EMAIL_BACKEND is the SMTP one.
_smtp = env.email_url("EMAIL_URL", default="smtp://localhost:25")
EMAIL_HOST, EMAIL_PORT = _smtp["EMAIL_HOST"], _smtp["EMAIL_PORT"]
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _smtp["EMAIL_HOST_USER"], _smtp["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _smtp.get("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Support <support@helpdesk.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    "SEND_DEFAULTS": {"track_clicks": False},
    **{
        key.removeprefix("ANYMAIL_"): value
        for key, value in env.ENVIRON.items()
        if key.startswith("ANYMAIL_")
    },
}

# --- Cache ------------------------------------------------------------------------
# The dashboard keeps a period's figures and rendered sections here between summary
# refreshes. In production a shared Redis (CACHE_URL=redis://host:6379/1) serves every
# web process; without it each process keeps its own copy in memory.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Sessions are read from a shared cache (written through to the database), which saves
# every signed-in request its session query; a cache of each process's own would keep
# a signed-out session alive in the other processes, so they stay in the database then.
_SHARED_CACHE = "LocMemCache" not in CACHES["default"]["BACKEND"]
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if _SHARED_CACHE else "db")
# Django's messages (a cookie, else the session), each cut to 500 characters.
MESSAGE_STORAGE = "core.messages.BoundedStorage"

# --- Celery -------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Short socket timeouts so that a web request never hangs when Redis does; the
    # visibility timeout is long because deadlines never ride the broker as ETAs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_timeout": 5,
        "socket_connect_timeout": 3,
        "visibility_timeout": 60 * 60,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task running when the broker connection drops finishes its work (Celery 5's default,
# chosen explicitly: Celery 6 will cancel it instead). Cancelled, its unacknowledged
# message would wait for the Redis transport's visibility timeout, an hour, before it
# ran again: tests/notifications/test_broker_outage.py fails that way. Every task may
# run twice (the outbox sends an email once, whoever runs it).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = False
# Deadlines never wait behind a backlog of emails and events: the SLA sweep and its
# per-clock checks have a queue of their own, which every worker consumes beside the
# default one (kombu takes from each in turn), and a dedicated worker can take alone
# (``celery worker -Q sla``).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("sla"))
CELERY_TASK_ROUTES = {
    "notifications.tasks.sla_sweep": {"queue": "sla"},
    "notifications.tasks.sla_clock_check": {"queue": "sla"},
    "notifications.tasks.oncall_page_check": {"queue": "sla"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The one beat schedule of the project. A periodic task only finds due rows and hands
# each one to an idempotent task; deadlines live in the database, never in the broker.
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": 60 * 60,
    },
    # Every minute: SLA warnings, breaches and update reminders, on-call escalations and
    # the outbox's recovery of emails that could not be enqueued (notifications.tasks).
    "sla-sweep": {
        "task": "notifications.tasks.sla_sweep",
        "schedule": 60,
    },
    "autoclose-resolved-tickets": {
        "task": "tickets.tasks.autoclose_resolved_tickets",
        "schedule": 60 * 60,
    },
    "purge-pending-uploads": {"task": "tickets.tasks.pending_uploads_purge", "schedule": 3600},
    # The dashboard's compliance figures are at most this old (dashboard.services).
    "refresh-dashboard-summaries": {
        "task": "dashboard.tasks.refresh_summaries",
        "schedule": 5 * 60,
    },
    # Every minute: webhook deliveries whose next attempt is due (webhooks.tasks).
    "webhooks-sweep": {
        "task": "webhooks.tasks.sweep",
        "schedule": 60,
    },
}

# --- Outgoing webhooks (webhooks/) ---------------------------------------------------
# Private, loopback and link-local addresses (and plain http://) are refused unless this
# is on: for the tests' local receivers, or a help desk inside a closed network.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
WEBHOOK_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOK_CONNECT_TIMEOUT_SECONDS", default=5)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
# A claimed delivery is taken over by another worker after this long (longer than the
# two timeouts above, so that a slow receiver is never sent the same event twice).
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=60)
# 30 s, 1 min, 2 min… at most an hour between attempts: 16 attempts span about 10 hours.
WEBHOOK_RETRY_BACKOFF_SECONDS = env.int("WEBHOOK_RETRY_BACKOFF_SECONDS", default=30)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=16)
# The sweep leaves a delivery this long past its time to the task already handed it.
WEBHOOK_SWEEP_GRACE_SECONDS = env.int("WEBHOOK_SWEEP_GRACE_SECONDS", default=30)
# Delivered and failed deliveries are shown this long, then cleared by the sweep.
WEBHOOK_RETENTION_DAYS = env.int("WEBHOOK_RETENTION_DAYS", default=30)

# --- Tickets ------------------------------------------------------------------------
TICKET_AUTOCLOSE_DAYS = env.int("TICKET_AUTOCLOSE_DAYS", default=7)
TICKET_REOPEN_WINDOW_DAYS = env.int("TICKET_REOPEN_WINDOW_DAYS", default=14)
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# A whole request (a form with its files, an inbound email's webhook): larger is a 413
# before its body is read (core.request_limits). The proxy's client_max_body_size
# should match it (README, production notes).
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=25 * 1024 * 1024)
# Forms' text fields together, and any body read whole (the inbound webhook's JSON, with
# its attachments in base64), up to the request limit; files stream past this to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "core.request_limits.AttachmentSizeHandler",  # stops a file past the limit
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Extensions customers and staff may attach. HTML and SVG are absent on purpose: they
# could run script if ever rendered in our origin.
ATTACHMENT_EXTENSIONS = env.list(
    "ATTACHMENT_EXTENSIONS",
    default=[
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "txt",
        "log",
        "csv",
        "json",
        "zip",
        "docx",
        "xlsx",
        "pptx",
        "eml",
    ],
)

# --- Multi-tenancy ------------------------------------------------------------------
SCOPES_DISABLED = False

# Phone numbers are stored in E.164 and shown (forms included) as +36 1 234 5678.
PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"

# Production logs one JSON object a line, with the request's id and organisation code
# (core.request_log) and a line per request; the demo prints the messages alone, as text
# (its runserver prints a line per request itself).
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ValueError(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = logging_settings.logging_config(
    log_format=LOG_FORMAT, level=env("LOG_LEVEL", default="INFO")
)

# --- Error reporting ----------------------------------------------------------------
# Sentry, only with a DSN: errors of the web app, the workers and beat, without personal
# data (helpdesk.error_reporting says what is and is not sent).
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production")
# E.g. the deployed commit; without it Sentry's SDK guesses (SENTRY_RELEASE, or git).
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")
# The share of requests and tasks traced for performance; errors are always sent.
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    from helpdesk.error_reporting import error_reporting_init

    error_reporting_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

# --- Notifications ----------------------------------------------------------------------
from email.utils import parseaddr as _parseaddr  # noqa: E402

# Replies to notifications come back to this address (through the inbound webhook or
# the fetched mailbox); inbound Message-IDs are unique within it.
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default=_parseaddr(DEFAULT_FROM_EMAIL)[1])
# The domain of our Message-IDs (<ticket-ACME-1042-…@domain>): threads replies, and
# recognises our own mail coming back as a loop.
EMAIL_MESSAGE_ID_DOMAIN = env(
    "EMAIL_MESSAGE_ID_DOMAIN", default=SUPPORT_EMAIL.rpartition("@")[2] or "helpdesk.example"
)
# Sending: attempts before an email is kept as failed, the first retry's delay (doubling
# each time), and how long a claimed email may stay "sending" before the sweep assumes
# its worker died and sends it again.
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=6)
EMAIL_RETRY_BACKOFF_SECONDS = env.int("EMAIL_RETRY_BACKOFF_SECONDS", default=30)
EMAIL_SENDING_LEASE_SECONDS = env.int("EMAIL_SENDING_LEASE_SECONDS", default=600)
# After hours (this calendar closed) a critical ticket pages the on-call agent; without a
# status notification with an estimate within this many minutes, the managers hear.
ONCALL_CALENDAR_NAME = env("ONCALL_CALENDAR_NAME", default="Vendor business hours")
ONCALL_ANSWER_MINUTES = env.int("ONCALL_ANSWER_MINUTES", default=60)
# Installations without an ESP's inbound webhook read a Maildir every minute instead.
INBOUND_MAILDIR = env("INBOUND_MAILDIR", default="")
if INBOUND_MAILDIR:
    CELERY_BEAT_SCHEDULE["fetch-mail"] = {
        "task": "notifications.tasks.fetch_mail",
        "schedule": 60,
    }

# --- SLA dashboard ------------------------------------------------------------------
# SQLite (the demo) ignores the INCLUDE columns of the dashboard's covering indexes,
# which PostgreSQL reads for index-only scans (sla.models): nothing to warn about.
SILENCED_SYSTEM_CHECKS = (
    ["models.W040"] if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else []
)
