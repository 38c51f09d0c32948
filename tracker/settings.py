"""Settings for 整改台账, read from the environment.

With no environment at all the product runs embedded: SQLite under ./var, Celery eager,
e-mail to the console. Every production value comes from an environment variable; a
malformed value fails loudly at start-up (django-environ's strict parsing).
"""

import ipaddress
import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# The embedded default needs no secret; any real deployment sets SECRET_KEY.
SECRET_KEY = env.str(
    "SECRET_KEY", default="embedded-insecure-key-change-me-in-production-0123456789"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "ledger",
    "issues",
    "books",  # import, export, printable forms over the issues domain
    "notifications",
    "accounts",
    "devdata",  # seed_demo, generate_data; no product app imports it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tracker.middleware.IgnoreAcceptLanguageMiddleware",  # zh-hans unless switched
    "django.middleware.locale.LocaleMiddleware",
    "tracker.middleware.RequestBodyLimitMiddleware",  # 413 before the body is read
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in that django-axes refused into the lockout answer (accounts.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tracker" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "issues.context_processors.chrome",
                "notifications.context_processors.unread",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections, not psycopg's pool: a gthread worker's threads live as long as the
# worker, so each keeps its connection (no 16–20 ms connect per request), and a Celery prefork
# child closes what it inherited at fork (Celery's Django fixup) before opening its own. A pool
# opened before a fork would share sockets between processes, and psycopg_pool is one more
# dependency. Health checks drop a connection the server closed, before the request uses it.
# 0 = close after every request (the old behaviour).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The embedded default serves an office: several threads and processes write at once.
    # IMMEDIATE: a transaction takes the write lock when it begins, so one that reads and then
    # writes cannot hit SQLite's lock-upgrade deadlock ("database is locked" at once); the
    # others wait up to `timeout` seconds. WAL: readers never wait for the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
    # problem_lead_status INCLUDEs id and created_at for PostgreSQL's index-only reads of the
    # list (issues 0020); SQLite keeps the index without them, which is all it needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the scope filter's OR of EXISTS is estimated far above jit_above_cost, and
    # compiling it cost ~40 ms of a 48 ms COUNT in the problem list (bench/bench_list.py).
    # Short OLTP queries never repay JIT's compile time.
    # random_page_cost 1.1 (the usual value for SSDs; PostgreSQL's 4 models spinning disks):
    # at 4 the list's row statements hashed all 2 000 units of a city rather than probe the
    # 50 they need, and the scan hashed the whole schedule table for a chunk's 5 000 rows
    # (~1 ms and ~8 ms more; bench/README.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c jit=off -c random_page_cost=1.1"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's four validators, in Chinese (accounts.validators: Django's zh_Hans catalogue lacks
# the 5.2 wording of the minimum-length message).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator"},  # 8 characters
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The axes backend first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded evidence lives outside static and is only served by the download view.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = None  # no public URL: files are never served directly

UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# Word documents (docs/word-reports.md): an office's own templates, and the fonts named in them.
DOCX_TEMPLATE_DIR = env.str("DOCX_TEMPLATE_DIR", default="")
DOCX_TITLE_FONT = env.str("DOCX_TITLE_FONT", default="方正小标宋简体")
DOCX_BODY_FONT = env.str("DOCX_BODY_FONT", default="仿宋_GB2312")
# Let the upload view answer 413 itself instead of Django's generic 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="整改台账 <noreply@localhost>")

# --- Security (all off in the embedded default, on with production variables) ---
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("TRUST_X_FORWARDED_PROTO", default=False)
    else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Load balancers probe over plain HTTP; everything else is redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Reverse proxies in front of gunicorn that append to X-Forwarded-For. The sign-in lockout
# takes the client address from it; 0 ignores the header, which anybody can forge.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# --- Sign-in: one failure-only lockout for /login/, the admin and the API token (django-axes).
# Failed sign-ins are counted in the database (shared by every worker and host); a success is
# never counted and forgives that user's own failures from that address. A key is locked once
# it has LIMIT failures with no pause of LOGIN_LOCKOUT_MINUTES between them, and stays locked
# for LOGIN_LOCKOUT_MINUTES after the failure that reached the limit.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)  # per (address, user name)
LOGIN_USER_FAILURE_LIMIT = env.int("LOGIN_USER_FAILURE_LIMIT", default=20)  # per user name
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=100)  # per address
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
AXES_HANDLER = "accounts.lockout.SignInFailureHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]  # the other two keys: the handler
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a fixed lock, not one that grows
AXES_DISABLE_ACCESS_LOG = True  # successes are not recorded at all
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False

# --- API tokens (django-rest-knox): only a SHA-512 digest is stored; each token expires.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=10)  # one working day
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# --- REST API ---
REST_FRAMEWORK = {
    # Token first: an anonymous API call then answers 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.auth.TokenAuthentication",  # knox's, hashed and expiring
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # SPEC §9: JSON in. Uploads (evidence, imports) declare multipart themselves. A form body
    # cannot tell a one-item list from a scalar, and the schema should offer what is real.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.Pagination",
    # DRF's JSON bytes, written by orjson (tracker/renderers.py); the browsable API as before.
    "DEFAULT_RENDERER_CLASSES": [
        "tracker.renderers.OrjsonRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["issues.api.filters.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "tracker.schema.AutoSchema",
    "EXCEPTION_HANDLER": "tracker.api.exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
    "DATE_FORMAT": "%Y-%m-%d",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "整改台账 API",
    "DESCRIPTION": "检视整改问题台账的公开 REST 接口（SPEC §9）。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Three models have a `status`; name their enums instead of letting hashes decide.
    "ENUM_NAME_OVERRIDES": {
        "ProblemStatusEnum": "issues.models.problems.Status",
        "MeasureStatusEnum": "issues.models.problems.MeasureStatus",
        "RequestStatusEnum": "issues.models.requests.RequestStatus",
        "StepKindEnum": "issues.models.batches.StepKind",
    },
}

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://"),
}
# The dashboard's and the list's counts over large scopes are cached this long, keyed by the
# ledger head and the newest problem, so a change shows at once (issues.selectors.stats_cache);
# below STATS_CACHE_FROM_PROBLEMS problems they are computed on every request (cheap there).
STATS_CACHE_SECONDS = env.int("STATS_CACHE_SECONDS", default=60)
STATS_CACHE_FROM_PROBLEMS = env.int("STATS_CACHE_FROM_PROBLEMS", default=20000)
# On PostgreSQL a list's count runs on a second connection beside the page's reads, at most
# this many such connections per web process, beyond one per request thread: plan
# max_connections for both (issues.selectors.beside). 0 = every count on the request's.
LIST_COUNT_CONNECTIONS = env.int("LIST_COUNT_CONNECTIONS", default=2)

# --- Celery: the database holds all reminder state; beat only rings the bell. ---
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory://")
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
REMINDER_SCAN_INTERVAL = timedelta(seconds=env.int("REMINDER_SCAN_INTERVAL_SECONDS", default=300))
# Every entry carries `expires`: a tick that waited longer than its period is dropped, not
# piled up. All timing lives in the data; the beat only wakes the scan.
CELERY_BEAT_SCHEDULE = {
    "reminders-scan": {
        "task": "notifications.tasks.scan_reminders",
        "schedule": REMINDER_SCAN_INTERVAL,
        "options": {"expires": REMINDER_SCAN_INTERVAL.total_seconds() * 0.9},
    },
    "email-digests": {
        "task": "notifications.tasks.send_email_digests",
        "schedule": timedelta(minutes=30),
        "options": {"expires": 30 * 60 * 0.9},
    },
    # Hourly, but at most one checkpoint a day: a beat that was down at midnight catches up.
    "ledger-checkpoint": {
        "task": "ledger.tasks.take_daily_checkpoint",
        "schedule": timedelta(hours=1),
        "options": {"expires": 60 * 60 * 0.9},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
EMAIL_DIGEST_HOUR = env.int("EMAIL_DIGEST_HOUR", default=8)
# Reminders and messages (issue 12): a mail server or a webhook receiver never holds a worker
# or the embedded loop longer than these; webhooks go only to public https addresses unless
# allowed here (tests, intranets).
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)  # seconds per SMTP operation
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)  # seconds, connect+send+read
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(net.strip()))
    for net in env.list("WEBHOOK_ALLOWED_NETWORKS", default=[])
    if net.strip()
]
DELIVERY_THREADS = env.int("DELIVERY_THREADS", default=4)  # embedded loop: parallel sends
REMINDER_CYCLE_BUDGET_SECONDS = env.float("REMINDER_CYCLE_BUDGET_SECONDS", default=30.0)

# --- The ledger's signed checkpoints (docs/ledger-threat-model.md). ---
# The Ed25519 private seed as 64 hex digits. It must NOT live in the database or beside its
# backups; production sets it from a secret store. Empty: a key file under var/ (created once).
LEDGER_SIGNING_KEY = env.str("LEDGER_SIGNING_KEY", default="")
if LEDGER_SIGNING_KEY and not re.fullmatch(r"[0-9a-fA-F]{64}", LEDGER_SIGNING_KEY):
    raise ImproperlyConfigured("LEDGER_SIGNING_KEY must be 64 hex digits (32 random bytes)")
LEDGER_SIGNING_KEY_FILE = env.path(
    "LEDGER_SIGNING_KEY_FILE", default=str(VAR_DIR / "ledger-signing.key")
)
# An outside witness that receives every new checkpoint as signed JSON (empty: none).
LEDGER_WITNESS_URL = env.str("LEDGER_WITNESS_URL", default="")
if LEDGER_WITNESS_URL and not re.match(r"https?://[^/\s]+", LEDGER_WITNESS_URL):
    raise ImproperlyConfigured("LEDGER_WITNESS_URL must be an http:// or https:// URL")
LEDGER_WITNESS_TIMEOUT_SECONDS = env.float("LEDGER_WITNESS_TIMEOUT_SECONDS", default=5.0)
