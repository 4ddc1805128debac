"""Settings, from environment variables only (django-environ). Safe defaults are production's:
DEBUG off, a SECRET_KEY required, no hosts allowed. Where DATABASE_URL / REDIS_URL are unset the
embedded stack is used (oracle_ledger.embedded), which is how `make run` and `make test` work on a
bare machine; only then is a secret key generated and kept under `.data/`."""

from __future__ import annotations

import copy
import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from oracle_ledger import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
EMBEDDED = not os.environ.get("DATABASE_URL")
_stack = embedded.ensure_started(
    postgres=EMBEDDED, redis=not os.environ.get("REDIS_URL")
) if EMBEDDED or not os.environ.get("REDIS_URL") else {}


def _embedded_secret_key() -> str:
    path = embedded.DATA_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_urlsafe(50))
        tmp.chmod(0o600)
        os.replace(tmp, path)  # atomic: concurrent first starts agree on one key
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (EMBEDDED or DEBUG):
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    SECRET_KEY = _embedded_secret_key()

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if EMBEDDED or DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework_simplejwt.token_blacklist",
    "identity",
    "customers",
    "audit",
    "stripe_sandbox",
    "ledger",
    "webhooks",
    "payments",
    "direct_deposit",
    "ach",
]

MIDDLEWARE = [
    "oracle_ledger.api.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oracle_ledger.api.middleware.ApiErrorMiddleware",
    # Last: it authenticates the caller (cached for DRF) to count per caller, and stamps the
    # X-RateLimit-* headers on every /api/ response, errors included.
    "oracle_ledger.api.ratelimit.RateLimitMiddleware",
]

ROOT_URLCONF = "oracle_ledger.urls"
WSGI_APPLICATION = "oracle_ledger.wsgi.application"
AUTH_USER_MODEL = "identity.User"
# Organisation admins are not superusers: staff get their admin-site permissions from their role.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", "identity.backends.RolePermissionBackend"]

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
            ],
        },
    },
]

# --- PostgreSQL ---------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url_config(
        os.environ.get("DATABASE_URL") or _stack["database_url"].replace("postgresql://", "postgres://", 1)
    )
}
DATABASES["default"].update(
    # A connection per request costs ~60% of a simple insert endpoint's throughput here.
    CONN_MAX_AGE=env.int("DB_CONN_MAX_AGE", default=300),
    CONN_HEALTH_CHECKS=True,
    ATOMIC_REQUESTS=False,
)
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache (rate limits, idempotency locks) and the Celery broker --------------------------
REDIS_URL = os.environ.get("REDIS_URL") or _stack["redis_url"]
# One Redis serves several test runs at once (xdist workers, parallel developers): a run gets its
# own key prefix and broker database, so counters and queues never cross.
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="ol")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"


def _celery_url(url: str, db: int) -> str:
    if url.startswith("unix://"):
        return f"redis+socket://{url[len('unix://'):].split('?')[0]}?virtual_host={db}"
    return url.rstrip("/").rsplit("/", 1)[0] + f"/{db}" if url.count("/") > 2 else f"{url}/{db}"


CELERY_BROKER_DB = env.int("CELERY_BROKER_DB", default=1)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=_celery_url(REDIS_URL, CELERY_BROKER_DB))
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_BEAT_SCHEDULE_FILENAME = str(embedded.DATA_DIR / "celerybeat-schedule")
# Creates that crashed between their pending row and Stripe's answer (customers, issue 6).
CELERY_BEAT_SCHEDULE["customers-pending-sweep"] = {"task": "customers.tasks.customer_pending_sweep_task",
                                                   "schedule": 600.0}

# --- Auth, i18n, static -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"  # filled by collectstatic in the image; empty locally
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Served straight from the apps' static folders: no collectstatic step for `make run` or tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Security headers (production defaults; TLS is terminated in front of gunicorn) ------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not (EMBEDDED or DEBUG))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["oracle_ledger.api.envelope.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["oracle_ledger.api.envelope.StrictJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "oracle_ledger.api.envelope.JSONOnlyNegotiation",
    "EXCEPTION_HANDLER": "oracle_ledger.api.errors.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": ["oracle_ledger.api.authentication.ActorAuthentication"],
    # Every view needs an authenticated actor unless it says `permission_classes = []` (public).
    "DEFAULT_PERMISSION_CLASSES": ["oracle_ledger.api.permissions.HasCapability"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ORACLE-LEDGER Stripe Integration API",
    "DESCRIPTION": "Customers, card payments, ACH, direct deposit and the ledger, over Stripe.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema and the docs are public: a stale Authorization header must not turn them into a 401.
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": [],
}
API_DOCUMENTATION_URL = env.str("API_DOCUMENTATION_URL", default="https://docs.yourdomain.com/errors")


def _duration(text: str) -> timedelta:
    """`24h`, `30m`, `45s`, `7d` or a number of seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    if text[-1:] in units:
        return timedelta(seconds=int(text[:-1]) * units[text[-1]])
    return timedelta(seconds=int(text))


JWT_TTL_TEXT = env.str("JWT_TTL", default="24h")
JWT_TTL = _duration(JWT_TTL_TEXT)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": JWT_TTL,
    "REFRESH_TOKEN_LIFETIME": _duration(env.str("JWT_REFRESH_TTL", default="7d")),
    "SIGNING_KEY": SECRET_KEY,
    "ALGORITHM": "HS256",
    "USER_ID_FIELD": "public_id",  # never the database integer (DESIGN §4)
    "USER_ID_CLAIM": "sub",
    "UPDATE_LAST_LOGIN": True,
}

# Requests per window per caller, by the guide's categories (django-ratelimit rate strings:
# "10/m", "1000/m", "5/h"); each is overridable, e.g. RATE_LIMIT_AUTH=100/m for a benchmark.
_RATE_LIMIT_DEFAULTS = {"auth": "10/m", "customers": "100/m", "payments": "50/m", "ach": "30/m",
                        "direct_deposit": "20/m", "webhooks": "1000/m", "general": "1000/m"}
RATE_LIMITS = {name: env.str(f"RATE_LIMIT_{name.upper()}", default=rate)
               for name, rate in _RATE_LIMIT_DEFAULTS.items()}
# bench/harness.py sets RATE_LIMIT_MULTIPLIER so the per-minute limits do not cap its figures (it
# was set but read nowhere: the payments benchmark got 429s after its first 50 requests).
_RATE_LIMIT_MULTIPLIER = env.int("RATE_LIMIT_MULTIPLIER", default=1)
if _RATE_LIMIT_MULTIPLIER != 1:
    RATE_LIMITS = {name: f"{int(rate.split('/', 1)[0]) * _RATE_LIMIT_MULTIPLIER}/{rate.split('/', 1)[1]}"
                   for name, rate in RATE_LIMITS.items()}
RATE_LIMIT_ENABLED = env.bool("RATE_LIMIT_ENABLED", default=True)
RATELIMIT_USE_CACHE = "default"
RATELIMIT_CACHE_PREFIX = env.str("RATELIMIT_CACHE_PREFIX", default="rl:")

IDEMPOTENCY_TTL = _duration(env.str("IDEMPOTENCY_TTL", default="24h"))
# An in-flight marker older than this is taken to belong to a crashed request and may be taken over.
IDEMPOTENCY_LOCK_TIMEOUT = _duration(env.str("IDEMPOTENCY_LOCK_TIMEOUT", default="10m"))
API_KEY_TOUCH_INTERVAL = timedelta(seconds=60)  # last_used_at is written at most this often
CELERY_BEAT_SCHEDULE["idempotency-records-purge"] = {
    "task": "identity.tasks.idempotency_records_purge_task", "schedule": 3600.0}
# Reconcile yesterday with Stripe for every organisation, at 02:15 UTC (ledger, issue 5).
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["ledger-reconcile-nightly"] = {
    "task": "ledger.tasks.reconciliation_nightly_task", "schedule": crontab(hour=2, minute=15)}

# --- Stripe -------------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.list("STRIPE_WEBHOOK_SECRET", default=[])
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Slug of the organisation whose books hold the platform's own Stripe balance: its payouts to the
# operating bank post there (ledger/webhook_handlers.py); unset, they are recorded as ignored.
PLATFORM_LEDGER_ORGANIZATION = env.str("PLATFORM_LEDGER_ORGANIZATION", default="")
ACH_COMPANY_NAME = env.str("ACH_COMPANY_NAME", default="ORACLE-LEDGER Demo Co")
ACH_COMPANY_ID = env.str("ACH_COMPANY_ID", default="1234567890")
ALLOW_HEADER_AUTH = env.bool("ALLOW_HEADER_AUTH", default=False)

# --- Stripe sandbox (DESIGN §6): used when no real key is set ------------------------------------
STRIPE_SANDBOX = not STRIPE_SECRET_KEY or STRIPE_SECRET_KEY.startswith("sk_test_sandbox")
# Its own connection to the same database: what "Stripe" commits never depends on the caller's
# transaction (stripe_sandbox/dbrouter.py).
DATABASES["stripe_sandbox"] = copy.deepcopy(DATABASES["default"])
DATABASE_ROUTERS = ["stripe_sandbox.dbrouter.SandboxRouter"]
SANDBOX_WEBHOOK_URL = env.str(
    "SANDBOX_WEBHOOK_URL", default=f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/api/v1/webhooks/stripe")
# Seconds between webhook delivery attempts (Stripe retries for days; tests shorten this).
SANDBOX_WEBHOOK_RETRY_DELAYS = env.list("SANDBOX_WEBHOOK_RETRY_DELAYS", cast=int,
                                        default=[60, 300, 1800, 3600, 7200, 21600])
SANDBOX_WEBHOOK_TIMEOUT = env.int("SANDBOX_WEBHOOK_TIMEOUT", default=10)
# Dotted paths of callables `hook(day: date)`: the project's own work for a day (ACH submissions,
# payroll runs), run by `stripe_sandbox advance` each time the clock reaches a new day, before the
# sandbox's own due transitions (DESIGN §9). Later issues append to this list.
SANDBOX_DAILY_HOOKS: list[str] = []
if STRIPE_SANDBOX:
    # Real time moves the sandbox too: what has come due since (payout arrivals, ACH settlements,
    # verifications) runs within a minute even when nobody calls `advance`.
    CELERY_BEAT_SCHEDULE["stripe-sandbox-due-transitions"] = {
        "task": "stripe_sandbox.timeline.due_transitions_task", "schedule": 60.0}
if STRIPE_SANDBOX and not STRIPE_WEBHOOK_SECRET:
    # The sandbox signs its webhooks with this; kept under .data/ so web and workers agree.
    _whsec = embedded.DATA_DIR / "sandbox_webhook_secret"
    if not _whsec.exists():
        _whsec.parent.mkdir(parents=True, exist_ok=True)
        _tmp = _whsec.with_suffix(".tmp")
        _tmp.write_text("whsec_sandbox" + secrets.token_hex(16))
        os.replace(_tmp, _whsec)
    STRIPE_WEBHOOK_SECRET = [_whsec.read_text().strip()]

# --- Stripe webhooks (issue 8) -----------------------------------------------------------------
# Stripe's events are a few KB; anything larger is refused (400) before the signature is checked.
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=512 * 1024)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)  # then the event is `failed`
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)  # 30 s, 1 min, 2 min, ...
# A `processing` claim older than this belongs to a dead worker and may be taken over.
WEBHOOK_CLAIM_TIMEOUT = _duration(env.str("WEBHOOK_CLAIM_TIMEOUT", default="10m"))
WEBHOOK_SWEEP_AFTER = _duration(env.str("WEBHOOK_SWEEP_AFTER", default="5m"))
# Extra modules registering handlers, beside every app's webhook_handlers.py.
WEBHOOK_HANDLER_MODULES = env.list("WEBHOOK_HANDLER_MODULES", default=[])
# Where a customer created in Stripe's dashboard lands when its metadata names no organisation
# (slug or org_ id); empty: such customers are recorded as ignored, not mirrored.
WEBHOOK_DEFAULT_ORGANIZATION = env.str("WEBHOOK_DEFAULT_ORGANIZATION", default="")
CELERY_BEAT_SCHEDULE["webhook-events-sweep"] = {"task": "webhooks.tasks.webhook_events_sweep_task",
                                                "schedule": 300.0}

# --- Card payments (issue 7) -------------------------------------------------------------------
# A payment or refund attempt still waiting for Stripe's answer after this long belongs to a process
# that died between its two transactions; the sweeper repeats the call with the same key (DESIGN §6).
PAYMENT_ATTEMPT_SWEEP_AFTER = _duration(env.str("PAYMENT_ATTEMPT_SWEEP_AFTER", default="2m"))
CELERY_BEAT_SCHEDULE["payment-attempts-sweep"] = {"task": "payments.tasks.payment_attempts_sweep_task",
                                                  "schedule": 60.0}

# --- Direct deposit (issue 10) ------------------------------------------------------------------
# A payout step (transfer, payout, reversal) still open after this long belongs to a process that
# died between its two transactions; the sweeper repeats it with the same Stripe key (DESIGN §6).
DIRECT_DEPOSIT_ATTEMPT_SWEEP_AFTER = _duration(env.str("DIRECT_DEPOSIT_ATTEMPT_SWEEP_AFTER", default="2m"))
CELERY_BEAT_SCHEDULE["direct-deposit-attempts-sweep"] = {
    "task": "direct_deposit.tasks.payout_attempts_sweep_task", "schedule": 60.0}
# A payroll run is processed by this many batch tasks at once, each claiming this many lines at a time.
PAYROLL_PARALLELISM = env.int("PAYROLL_PARALLELISM", default=4)
PAYROLL_BATCH_SIZE = env.int("PAYROLL_BATCH_SIZE", default=25)

# --- ACH (issue 9) -----------------------------------------------------------------------------
# Debits whose banking day has come go to Stripe (hourly, so a day's debits leave early that day;
# a Stripe outage is retried with the same key); the returns sweep catches returns a lost webhook
# would miss. Under `stripe_sandbox advance` the daily hook submits each new day's debits.
CELERY_BEAT_SCHEDULE["ach-due-submit"] = {"task": "ach.tasks.ach_due_submit_task", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["ach-returns-process"] = {"task": "ach.tasks.ach_returns_process_task",
                                               "schedule": crontab(minute=30)}
SANDBOX_DAILY_HOOKS.append("ach.services.submission.sandbox_daily_hook")

# --- Logging: one JSON object per line, carrying the request id --------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "oracle_ledger.logging.RequestContextFilter"}},
    "formatters": {"json": {"()": "oracle_ledger.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_context"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR", "propagate": True},
        # The access line is ours (oracle_ledger.request); Django's duplicate would add noise.
        "django.server": {"level": "ERROR", "propagate": True},
        "celery": {"level": "INFO", "propagate": True},
    },
}
