"""Settings for the CRM, read from the environment (see `.env.example`).

With nothing set, the project runs embedded: an embedded PostgreSQL in `.data/postgres`, Celery
tasks run eagerly in-process and e-mail goes to the console. `DATABASE_URL` points it at another
PostgreSQL server, `REDIS_URL` switches on the Celery broker and the cache.
"""

import zoneinfo
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from crm import embedded_db
from crm.env import env_bool, env_currency, env_decimal, env_int, env_list, env_postgres_url, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "crm.apps.CrmConfig",
    "subscriptions.apps.SubscriptionsConfig",
    "smartlists.apps.SmartlistsConfig",
    "renewals.apps.RenewalsConfig",
    "imports.apps.ImportsConfig",
    "api.apps.ApiConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # the built-in widget templates, for FORM_RENDERER below
    "django.contrib.postgres",  # OpClass in index expressions (the contact search's trigram indexes)
    "django_htmx",
    "django_filters",
    "template_partials",
    "axes",
    "csp",  # django-csp: its system check refuses the pre-4.0 CSP_* settings
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "crm.views.health.healthz_for_any_host",  # before CommonMiddleware's Host check (it says why)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.http.private_responses",
    "crm.uploads.refuse_large_bodies",  # its request phase runs before CSRF reads the body
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out login
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
AUTH_USER_MODEL = "crm.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.navigation",
            ],
        },
    },
    {
        # A region of a page whose table is too large for Django's engine (`crm/jinja_env.py`),
        # from the apps' `jinja2/` folders.
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "crm.jinja_env.environment"},
    },
]

# Database: PostgreSQL, the only engine. DATABASE_URL names any server (15 or newer); without it,
# the embedded one (`crm/embedded_db`), which the first connection starts.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": {**env_postgres_url("DATABASE_URL"), "ENGINE": "crm.postgresql"}}
else:
    DATABASES = {"default": {"ENGINE": "crm.embedded_db", "NAME": embedded_db.DATABASE, "USER": embedded_db.USER}}
# Each process keeps its connection (a sync gunicorn worker and a Celery child serve one request or
# task at a time) and checks it before a request's first query, so it recovers by itself after
# PostgreSQL restarts. The check costs no round trip (`crm/postgresql`). Measured on the floor view
# (100k contacts, WSGI handler in-process, the variants interleaved in one run of 1,000 requests
# each, load 8 on 2 cores; median wall / CPU µs): Django's `SELECT 1` check 4,150 / 1,590; this
# check 3,770 / 1,480; no check 3,500 / 1,440 (but a page fails after each restart); Django's
# psycopg pool (OPTIONS["pool"], CONN_MAX_AGE=0) 4,360 / 1,650 without checks, 4,580 / 1,760 with
# them: Django opens and closes a pooled connection on every request, which costs more than the
# round trip saves, and a sync worker has no concurrency for a pool to share connections across.
DATABASES["default"].update(CONN_MAX_AGE=env_int("DATABASE_CONN_MAX_AGE", 60), CONN_HEALTH_CHECKS=True)
_session_settings = [f"random_page_cost={env_decimal('DATABASE_RANDOM_PAGE_COST', '1.1')}"]
# PostgreSQL plans for spinning disks by default (random_page_cost 4): joining a team's ten
# thousand contacts to their stored summaries it then scans all million summaries rather than
# look up ten thousand by key, 3-4x slower on the SSDs it runs on today. 1.1 is the usual value
# for SSD storage; DATABASE_RANDOM_PAGE_COST=4 gives the server's default back.
if not env_bool("DATABASE_JIT", False):
    # PostgreSQL's JIT compiles a query when its estimated cost is high, which the list and
    # export queries over a million contacts reach: it cost ~1.5 s on the export's COPY query and
    # gains nothing on queries that run in milliseconds. Off for the app's own connections only
    # (DATABASE_JIT=true turns it back on); the server's setting stays as it is.
    _session_settings.append("jit=off")
DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(f"-c {item}" for item in _session_settings)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Lists count their rows exactly up to this many and show "10,000+" past it (crm.pagination).
LIST_COUNT_CAP = env_int("LIST_COUNT_CAP", 10_000)

# Redis: Celery broker, cache and sessions' reads when REDIS_URL is set; else tasks run eagerly in-process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "crm.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Sessions are read from Redis and kept in the database (`crm/sessions.py`). The floor view
    # (100k contacts, WSGI handler in-process, interleaved in one run, 600 requests each, load 7 on
    # 2 cores), median wall / CPU µs: db sessions 2,270 / 1,370, these 1,470 / 1,030 (best 1,270 ->
    # 920), one query fewer. Without Redis the cache is each process's own, where a logout in one
    # process would leave the session open in another's copy: sessions stay in the database.
    SESSION_ENGINE = "crm.sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
CELERY_TIMEZONE = env_str("TIME_ZONE", "UTC")
# What `celery beat` sends, and when (crontab hours are in CELERY_TIMEZONE). Every periodic task
# is named here, so the whole schedule reads in one place.
CELERY_BEAT_SCHEDULE = {
    # Stored subscription summaries move to the new day shortly after midnight (until then lists
    # read the definitions, so nothing is ever stale).
    "subscriptions-refresh-summaries": {
        "task": "subscriptions.refresh_summaries",
        "schedule": crontab(hour=0, minute=5),
    },
    # Each morning, partners are told of the renewal statuses that time changed and of deadlines
    # drawing near.
    "renewals-daily-notices": {
        "task": "renewals.daily_notices",
        "schedule": crontab(hour=6, minute=0),
    },
    # Notices that a broker outage left behind are handed over again.
    "renewals-sweep-notices": {
        "task": "renewals.sweep_notices",
        "schedule": crontab(minute="*/10"),
    },
    # Owners' stored MRR movements and pipelines out of date (a report left too many to recompute
    # in its request; the pipeline's new day) are brought up to date.
    "subscriptions-refresh-stored-reports": {
        "task": "subscriptions.refresh_stored_reports",
        "schedule": crontab(minute="*/5"),
    },
    # Export jobs no worker is on (the broker was down, or a worker died) go to Celery again.
    "smartlists-hand-over-exports": {
        "task": "smartlists.tasks.hand_over_exports",
        "schedule": 60.0,
    },
    # Likewise for CSV imports waiting for a worker.
    "imports-hand-over-imports": {
        "task": "imports.tasks.hand_over_imports",
        "schedule": 60.0,
    },
    # Files of imports left untouched for a week are deleted.
    "imports-forget-files": {
        "task": "imports.tasks.forget_import_files",
        "schedule": 3600.0,
    },
    # Bulk-action jobs no worker is on go to Celery again.
    "crm-hand-over-bulk-jobs": {
        "task": "crm.tasks.hand_over_bulk_jobs",
        "schedule": 60.0,
    },
    # Nightly, the files of expired exports are deleted; the job rows stay, marked expired.
    "smartlists-remove-expired-exports": {
        "task": "smartlists.tasks.remove_expired_exports",
        "schedule": crontab(hour=3, minute=17),
    },
}

# E-mail: the console unless EMAIL_URL-style settings are given.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "crm@localhost")

# Background jobs (exports, bulk actions, imports) write a heartbeat between batches; one whose
# heartbeat is older than this many seconds lost its worker and is taken over (crm/jobs).
JOB_HEARTBEAT_STALE_SECONDS = env_int("JOB_HEARTBEAT_STALE_SECONDS", 60)
# A job whose worker died in this many runs is not run again: it fails.
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 5)

# Money: one currency per installation for totals.
CRM_CURRENCY = env_currency("CRM_CURRENCY", "EUR")

# Smart list CSV exports: above this many rows they run as a background job; their files are
# removed this many days after they are ready.
SMARTLIST_EXPORT_ASYNC_ROWS = env_int("SMARTLIST_EXPORT_ASYNC_ROWS", 20_000)
SMARTLIST_EXPORT_EXPIRY_DAYS = env_int("SMARTLIST_EXPORT_EXPIRY_DAYS", 7)

# CSV imports: a file over this many bytes is refused at upload, a cell over this many characters
# refuses its file, and imports of more rows than this run as a background job.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
IMPORT_MAX_CELL_CHARS = env_int("IMPORT_MAX_CELL_CHARS", 10_000)
IMPORT_ASYNC_ROWS = env_int("IMPORT_ASYNC_ROWS", 2_000)
# Each column is a select on the mapping page and a field of its form: far below Django's
# DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000), past which the mapping could never be saved.
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 200)
# A file past IMPORT_MAX_BYTES is stopped as it arrives, not stored whole first (crm/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "crm.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Bulk actions on contacts (change owner, add or remove a tag, delete): above this many rows they
# run as a background job with a progress bar.
BULK_ASYNC_ROWS = env_int("BULK_ASYNC_ROWS", 5_000)

# REST API: at most this many requests per token in a window ("100/10s": a hundred each ten
# seconds; units s, m, h, d), counted in the cache (Redis with REDIS_URL, else each process's own).
API_RATE_LIMIT = env_rate("API_RATE_LIMIT", "100/10s")

# Partner renewals: the deadline is the start minus 45 days; from 44 days before the start a
# renewal counts as renewed; the dashboard looks 120 days ahead.
RENEWALS_DEADLINE_DAYS = env_int("RENEWALS_DEADLINE_DAYS", 45)
RENEWALS_AUTO_RENEW_DAYS = env_int("RENEWALS_AUTO_RENEW_DAYS", 44)
RENEWALS_WINDOW_DAYS = env_int("RENEWALS_WINDOW_DAYS", 120)
RENEWALS_URGENT_DAYS = env_int("RENEWALS_URGENT_DAYS", 14)
RENEWALS_REMINDER_DAYS = env_int("RENEWALS_REMINDER_DAYS", 7)
# The address links in e-mails point to. Unset, the one `make run` serves on: its HOST and PORT
# (`PORT=8200 make run`; the same variables and defaults as the Makefile's), so a demo's links work.
RENEWALS_SITE_URL = env_str("RENEWALS_SITE_URL") or f"http://{env_str('HOST') or '127.0.0.1'}:{env_int('PORT', 8000)}"

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair is locked out for LOGIN_LOCKOUT_HOURS; other addresses and other users
# are not. Admins unlock in the admin (Axes > Access attempts: delete) or with
# `manage.py axes_reset_username USERNAME`. A successful login clears the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind a proxy every request has the proxy's REMOTE_ADDR: one attacker's wrong passwords would
# lock the account owner out too. With the number of proxies in front (TRUSTED_PROXY_COUNT), the
# address is read from X-Forwarded-For, where the first proxy wrote it (crm.http.client_address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "crm.http.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("it", _("Italian")), ("pt-br", _("Portuguese (Brazil)"))]
LOCALE_PATHS = [BASE_DIR / "crm" / "locale"]
FORMAT_MODULE_PATH = ["crm.language_formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not a known time zone") from None
USE_I18N = True
USE_TZ = True
FORMS_URLFIELD_ASSUME_HTTPS = True  # the Django 6 default, adopted now

STATIC_URL = "static/"
# Widgets render with the project's templates: crm/widgets/searched_select.html (crm.choices).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "crm.staticfiles.ManifestStaticFilesStorage"
    },
}

# Security: strict by default outside DEBUG; each flag can be relaxed where TLS ends elsewhere.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Health checks ask from inside the network, where there is no TLS: /healthz answers plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, images and requests come from this site
# only, and nothing inline runs: no inline <script>, on…= handler, style= attribute or eval (htmx's
# own indicator <style> is switched off in base.html, its rules live in static/css/app.css).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
