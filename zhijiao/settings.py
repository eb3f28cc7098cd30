"""Django settings, read from the environment (and an optional `.env`), never edited per install.

Every knob is an environment variable documented in README.md (section 配置 / Configuration).
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

load_dotenv(os.environ.get("ZHIJIAO_ENV_FILE", ".env"))

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("ZHIJIAO_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("ZHIJIAO_DEBUG", False)
SECRET_KEY = os.environ.get("ZHIJIAO_SECRET_KEY", "")
if not SECRET_KEY:
    # A per-install key kept in the data dir, so a fresh install is safe without configuration.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ZHIJIAO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("ZHIJIAO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "zhijiao.core",
    "zhijiao.accounts",
    "zhijiao.records",
    "zhijiao.web",
    "zhijiao.catalog",
    "zhijiao.resources",
    "zhijiao.search",
    "zhijiao.questions",
    "zhijiao.homework",
    "zhijiao.learning",
    "zhijiao.cockpit",
    "zhijiao.openplatform",
    "zhijiao.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "zhijiao.core.middleware.RejectNulBytes",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy below (django-csp) on every response that does not set its own, error pages
    # from the middleware after it included; static files (WhiteNoise, above) need none.
    "csp.middleware.CSPMiddleware",
    # Pages compressed (static files come pre-compressed from WhiteNoise, above). Django's GZip mitigates
    # BREACH by padding each response with random bytes, so CSRF tokens in compressed pages stay safe.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhijiao.accounts.middleware.SessionRefreshMiddleware",
    "zhijiao.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "zhijiao.web.middleware.CacheRoundTrips",
    "zhijiao.accounts.middleware.ForcePasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "zhijiao.urls"
WSGI_APPLICATION = "zhijiao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "zhijiao.web.context.shell",
            ],
        },
    },
]

# Database: SQLite in WAL mode under the data dir unless DATABASE_URL says otherwise.
SQLITE_PATH = DATA_DIR / "zhijiao.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock up front so
        # two writers queue on busy_timeout instead of failing with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # Django's backend with a health check that polls the socket instead of sending `SELECT 1` before
    # each request's first query (zhijiao/core/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "zhijiao.core.postgresql"
    # No JIT: the platform's queries are short, and compiling one cost more than it saved (the cockpit's
    # teacher index: ~120 ms of compiling for a 330 ms query). Appended to any options the URL gives.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    # Server-side parameters, so psycopg prepares a statement run a few times on a connection: a page's
    # queries are planned once per connection instead of per request (planning a resource's row with its
    # six related tables took 1.2 ms, executing it 0.1 ms).
    options.setdefault("server_side_binding", True)
    options.setdefault("prepare_threshold", 2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "zhijiao.core.redis_cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "zhijiao"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["zhijiao.accounts.backends.AccountOrPhoneBackend"]
PASSWORD_HASHERS = [
    "zhijiao.accounts.hashers.DistrictArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions expire after inactivity (default 8 hours of a school day) and when the browser closes.
# With Redis, sessions are read from the cache (written through to the database, so a Redis restart logs
# nobody out); the idle expiry is pushed forward at most every ZHIJIAO_SESSION_REFRESH_SECONDS
# (accounts.middleware.SessionRefreshMiddleware) instead of writing the session on every request.
SESSION_COOKIE_AGE = int(os.environ.get("ZHIJIAO_SESSION_SECONDS", 8 * 3600))
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_SAVE_EVERY_REQUEST = False
ZHIJIAO_SESSION_REFRESH_SECONDS = int(os.environ.get("ZHIJIAO_SESSION_REFRESH_SECONDS", 300))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("ZHIJIAO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Behind HTTPS (ZHIJIAO_SECURE_COOKIES=1, TLS ended at nginx): the proxy says a request came over HTTPS with
# X-Forwarded-Proto, which it must set on every request (README's nginx example does), or a client could
# claim HTTPS itself. Then browsers are told to use only HTTPS here for ZHIJIAO_HSTS_SECONDS (a year; 0
# turns it off). Not for sub-domains unless asked: a bureau's domain may host other sites still on plain
# HTTP, which HSTS would cut off for a year. HTTP is redirected to HTTPS only if asked (nginx usually does it).
if SESSION_COOKIE_SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("ZHIJIAO_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ZHIJIAO_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_SSL_REDIRECT = env_bool("ZHIJIAO_SSL_REDIRECT", False)

# Content-Security-Policy (csp.middleware.CSPMiddleware): scripts only from our own files — no inline
# <script>, no on…= attributes, no javascript: URLs, no eval (web/tests/test_headers.py scans the templates;
# a button asks "are you sure?" with data-confirm, web/pwa.js). Styles may be inline ('unsafe-inline' in
# style-src only): the templates use many style="…" attributes; an inline style runs no script. No other
# site may frame our pages (frame-ancestors, as X-Frame-Options: DENY does for older browsers). A view may
# change the policy for its own responses: resource files may be framed by our own detail page (the PDF
# viewer), and uploaded question and learning images are sent with a stricter policy of their own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "worker-src": [SELF],  # the service worker, /sw.js (web/pwa.py)
        "manifest-src": [SELF],  # /manifest.webmanifest
    },
}

# Login throttling (accounts/throttle.py, docs/permissions.md "Login"). Failures are counted within
# LOCKOUT_MINUTES per account name or phone as typed from one client (its device cookie, else its IP),
# per IP address, and per account name or phone from anywhere; a bound reached refuses that for
# LOCKOUT_MINUTES. The IP and account bounds never refuse a browser that logged in to that account before.
ZHIJIAO_LOCKOUT_FAILURES = int(os.environ.get("ZHIJIAO_LOCKOUT_FAILURES", 5))
ZHIJIAO_LOCKOUT_MINUTES = int(os.environ.get("ZHIJIAO_LOCKOUT_MINUTES", 15))
ZHIJIAO_LOCKOUT_IP_FAILURES = int(os.environ.get("ZHIJIAO_LOCKOUT_IP_FAILURES", 100))
ZHIJIAO_LOCKOUT_ACCOUNT_FAILURES = int(os.environ.get("ZHIJIAO_LOCKOUT_ACCOUNT_FAILURES", 10))
# How many reverse proxies in front each append the address they saw to X-Forwarded-For (nginx with
# `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`: 1). 0: the client is REMOTE_ADDR and the
# header is ignored, since a client can write anything in it. Behind a proxy, 0 makes every client one.
ZHIJIAO_PROXY_COUNT = int(os.environ.get("ZHIJIAO_PROXY_COUNT", 0))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("ZHIJIAO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("ZHIJIAO_MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "zhijiao.web.static_storage.CollectedStaticStorage"},
}
# Until `zhijiao collectstatic` has run (a development checkout, the tests), files are served from the apps'
# folders under their plain names; once collected, only the hashed, compressed copies (web/static_storage.py).
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "staticfiles.json").exists()
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Resource library uploads: size limit per kind of file, in MB (ZHIJIAO_UPLOAD_MAX_VIDEO_MB=2048, ...).
ZHIJIAO_RESOURCE_UPLOAD_LIMITS = {
    kind: int(os.environ.get(f"ZHIJIAO_UPLOAD_MAX_{kind.upper()}_MB", default)) * 1024 * 1024
    for kind, default in (("video", 2048), ("audio", 200), ("document", 100), ("image", 20))
}

# Pluggable backends (architecture section 6): dotted paths, embedded defaults need no service.
ZHIJIAO_SEARCH_BACKEND = os.environ.get("ZHIJIAO_SEARCH_BACKEND", "zhijiao.search.tantivy_backend.TantivyBackend")
ZHIJIAO_SEARCH_INDEX_DIR = Path(os.environ.get("ZHIJIAO_SEARCH_INDEX_DIR", DATA_DIR / "search"))

# Sharing with other platforms (OAI-PMH at /oai): the public address and the repository's identity.
ZHIJIAO_PUBLIC_URL = os.environ.get("ZHIJIAO_PUBLIC_URL", "")
ZHIJIAO_OAI_REPOSITORY_ID = os.environ.get("ZHIJIAO_OAI_REPOSITORY_ID", "zhijiao.local")
ZHIJIAO_OAI_REPOSITORY_NAME = os.environ.get("ZHIJIAO_OAI_REPOSITORY_NAME", "智教 区域智慧教育云平台")
ZHIJIAO_OAI_ADMIN_EMAIL = os.environ.get("ZHIJIAO_OAI_ADMIN_EMAIL", "admin@zhijiao.local")
ZHIJIAO_OAI_PAGE_SIZE = int(os.environ.get("ZHIJIAO_OAI_PAGE_SIZE", 100))

# Background work: Celery when a broker is configured, otherwise tasks run in-process after commit.
# The app is zhijiao/celery_app.py (beat schedule there); `zhijiao worker` / `zhijiao beat` run it.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_DEFAULT_QUEUE = "zhijiao"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Every task is a side effect whose outcome is in the database; nobody waits for a result.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Acknowledge after the task ran, one message at a time per worker process: a worker killed mid-task leaves
# its message for another (the tasks are idempotent), and a long rollup does not hold short tasks hostage.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True  # redelivered anyway (acks late)
CELERY_WORKER_MAX_TASKS_PER_CHILD = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Without a broker, one process of `zhijiao serve` runs the beat schedule itself (zhijiao/core/clock.py);
# 0 turns that off (then cron the commands in docs/background-work.md).
ZHIJIAO_CLOCK = env_bool("ZHIJIAO_CLOCK", True)

# The batched trail (records.trail): counted reads are spooled to files under the data dir and applied
# every N seconds by a thread in each web process (0: only by `zhijiao trail-drain` / the Celery task).
ZHIJIAO_TRAIL_DRAIN_SECONDS = float(os.environ.get("ZHIJIAO_TRAIL_DRAIN_SECONDS", 2))
ZHIJIAO_TRAIL_FSYNC = env_bool("ZHIJIAO_TRAIL_FSYNC", False)
ZHIJIAO_TRAIL_DIR = Path(os.environ.get("ZHIJIAO_TRAIL_DIR", DATA_DIR / "trail"))

# Cockpit rollups leave statements stored in the last N seconds for the next run (late commits).
ZHIJIAO_COCKPIT_LAG_SECONDS = int(os.environ.get("ZHIJIAO_COCKPIT_LAG_SECONDS", 60))
# Cockpit pages may show figures up to N seconds behind the newest rollup instead of recomputing the
# district on every visit; `zhijiao cockpit-rollup` (and its Celery task) computes them ahead.
ZHIJIAO_COCKPIT_MAX_AGE_SECONDS = int(os.environ.get("ZHIJIAO_COCKPIT_MAX_AGE_SECONDS", 300))
# Who groups each rollup batch: "sql" (the relational store itself) or "clickhouse" (ClickHouse: the server
# at ZHIJIAO_CLICKHOUSE_URL, e.g. http://user:password@host:8123, else chDB in-process; both need the
# optional `clickhouse` extra). The rollup tables stay in the relational store either way.
ZHIJIAO_COCKPIT_BACKEND = os.environ.get("ZHIJIAO_COCKPIT_BACKEND", "sql")
ZHIJIAO_CLICKHOUSE_URL = os.environ.get("ZHIJIAO_CLICKHOUSE_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"no_4xx_traceback": {"()": "zhijiao.core.logging.NoTracebackForClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["no_4xx_traceback"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZHIJIAO_LOG_LEVEL", "INFO")},
    # A task's success line, every 10 s from the beat schedule, is noise; failures still log as errors.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "celery.app.trace": {"level": "WARNING"}},
}
