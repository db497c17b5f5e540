"""Tessera settings, read from the environment.

Every value has a safe default for local use, so `make run` works with no variables set.
Production sets at least DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (see README).
"""

from pathlib import Path

import environ

from config import content_security

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="django-insecure-local-only-key-change-me-in-production-0123456789",
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "guardian",
    "oauth2_provider",
    "config",
    "audit",
    "foundation",
    "identities",
    "authorisations",
    "orgs",
    "accounts",
    "backoffice",
    "scim",
    "console",
    "django_tasks",
    "django_tasks_db",  # before events: its console page is taken down there (events/admin.py)
    "events",
]

MIDDLEWARE = [
    "foundation.api.correlation.CorrelationIdMiddleware",
    "console.refusals.RefusalLogMiddleware",  # sees every answer, the body limit's 413 too
    "foundation.api.body_limit.BodyLimitMiddleware",  # before anything reads a body
    "foundation.consistency.middleware.ConsistencyMiddleware",  # before anything reads rows
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "foundation.api.correlation.AuditActorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

# --- database -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # the server and the webhook worker write to one file (make run): a transaction takes the
    # write lock when it begins and waits for it, rather than failing when a read turns write
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE",
                                                          timeout=20)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# DB_TRANSACTION_POOLING=1: DATABASE_URL is a pooler in transaction mode (PgBouncer 1.18,
# deploy/pgbouncer.ini), where a server connection serves one transaction of a client at a
# time: nothing may outlive a transaction on it. So no server-side cursors (Django's
# `.iterator()` declares them WITH HOLD outside a transaction and fetches later) and no prepared
# statements (docs/deployment.md, "Behind PgBouncer").
DB_TRANSACTION_POOLING = env.bool("DB_TRANSACTION_POOLING", default=False)
if DB_TRANSACTION_POOLING:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# The few hot statements written once a process (core.compiled) are prepared on PostgreSQL:
# parsed and planned once a connection; off behind a transaction pooler (PgBouncer before 1.21
# cannot keep them). Django's own queries are never prepared (they bind parameters on the
# client), whatever this says.
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=not DB_TRANSACTION_POOLING)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_PREPARED_STATEMENTS:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- a read replica (foundation/consistency; docs/deployment.md, "Read-your-writes") ----------
# DATABASE_REPLICA_URL names a streaming replica of DATABASE_URL (PostgreSQL both): reads that
# cannot miss the caller's own writes go to it. A client that wrote reads from the primary for
# REPLICA_PIN_SECONDS (shared through Redis: set REDIS_URL with several processes); a replica
# lagging more than REPLICA_MAX_LAG_SECONDS, or unreachable, is left out (tried again after
# REPLICA_RETRY_SECONDS).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=1.0)
if DATABASE_REPLICA_URL:
    from django.core.exceptions import ImproperlyConfigured

    _replica = env.db_url_config(DATABASE_REPLICA_URL)
    if {_replica["ENGINE"], DATABASES["default"]["ENGINE"]} != {
            "django.db.backends.postgresql"}:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL, as DATABASE_URL.")
    _replica.update(ATOMIC_REQUESTS=False, CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
                    CONN_HEALTH_CHECKS=False,  # the router's probe checks it (consistency)
                    TEST={"MIRROR": "default"})
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    if DB_PREPARED_STATEMENTS:
        _replica["OPTIONS"].setdefault("prepare_threshold", 0)
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["foundation.consistency.router.ReplicaRouter"]

# --- identities and passwords -------------------------------------------------------------------
AUTH_USER_MODEL = "identities.Identity"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}Validator"} for name in (
        "UserAttributeSimilarity", "MinimumLength", "CommonPassword", "NumericPassword")]
AUTHENTICATION_BACKENDS = [
    "foundation.backends.WrittenOutModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# No anonymous guardian user: anonymous callers never hold object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

TESSERA_DEFAULT_TENANT_KEY = env.str("TESSERA_DEFAULT_TENANT_KEY", default="default")
TESSERA_DEFAULT_TENANT_NAME = env.str("TESSERA_DEFAULT_TENANT_NAME", default="Default tenant")

# --- OAuth2 (client-credentials for API clients) ------------------------------------------------
# the model of OAuth2 clients (the Ainua connectors point at it; named so migrations can)
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("TOKEN_LIFETIME_SECONDS", default=3600),
    "OAUTH2_VALIDATOR_CLASS": "identities.oauth.ServiceAccountValidator",
    "SCOPES": {"api": "Use the Tessera APIs"},
    "DEFAULT_SCOPES": ["api"],
    # RFC 9700 (OAuth 2.0 Security BCP) throughout. Tessera uses only the client-credentials
    # grant; tokens are stored as SHA-256 checksums, so a database leak reveals none.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}

# --- caches --------------------------------------------------------------------------------------
# "auth" remembers verified HTTP Basic credentials in process memory, re-checked against the
# database on every use (identities/api/authentication).
# "throttle" counts failed authentication (foundation/api/lockout) and "default" keeps the
# console dashboard's figures for a minute (console/dashboard): shared by every worker and node
# through Redis when REDIS_URL is set (redis://host:6379/0), this process's memory otherwise.
# Every per-process cache is listed in docs/deployment.md, "Nothing node-local".
BASIC_AUTH_CACHE_SECONDS = env.int("BASIC_AUTH_CACHE_SECONDS", default=60)
REDIS_URL = env.str("REDIS_URL", default="")
_REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": REDIS_URL,
    "KEY_PREFIX": "tessera",
    # a Redis that hangs must not hang every request (the lockout and the dashboard fail open)
    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
}
CACHES = {
    "default": (_REDIS if REDIS_URL
                else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}),
    "auth": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tessera-basic-auth",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
    # read-your-writes pins (foundation/consistency/pins): every node must see them
    "consistency": (_REDIS if REDIS_URL else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tessera-consistency"}),
    "throttle": (_REDIS if REDIS_URL else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tessera-auth-throttle", "OPTIONS": {"MAX_ENTRIES": 100_000}}),
}

# --- bulk imports ---------------------------------------------------------------------------------
# An import that creates or updates at least this many rows analyses the tables it wrote into
# (PostgreSQL's planner statistics) right after it commits (foundation.bulk.run.analyze).
BULK_ANALYZE_ROWS = env.int("BULK_ANALYZE_ROWS", default=10_000)

# --- the console's log of refused API requests (console/refusals) ----------------------------
TESSERA_REFUSAL_LOG = env.bool("TESSERA_REFUSAL_LOG", default=True)
TESSERA_REFUSALS_KEPT = env.int("TESSERA_REFUSALS_KEPT", default=10_000)

# --- webhooks (events/webhooks, docs/events.md): attempts are tasks of the database queue ------
# WEBHOOK_ALLOW_PRIVATE=1 lets deliveries reach loopback, private and link-local addresses.
# A failed attempt is retried for WEBHOOK_RETRY_HOURS; a worker's attempt still running after
# WEBHOOK_LEASE_SECONDS counts as lost (its worker killed) and is made again: keep it well above
# what an attempt may take (connecting, then each read, within their timeouts).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["webhooks"]}}
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_RETRY_HOURS = env.float("WEBHOOK_RETRY_HOURS", default=24.0)
WEBHOOK_LEASE_SECONDS = env.float("WEBHOOK_LEASE_SECONDS", default=30.0)
WEBHOOK_CONNECT_SECONDS = env.float("WEBHOOK_CONNECT_SECONDS", default=3.0)
WEBHOOK_READ_SECONDS = env.float("WEBHOOK_READ_SECONDS", default=5.0)

# --- throttling of failed authentication (foundation/api/lockout) ------------------------------
# Failures within the window: AUTH_FAILURES_PER_CLIENT of one client identifier (username or
# client id) from one address lock that identifier out from that address, AUTH_FAILURES_PER_ADDRESS
# from one address lock the address out, for AUTH_LOCKOUT_SECONDS (429 with Retry-After);
# AUTH_FAILURES_PER_CLIENT_ANY_ADDRESS of one identifier from every address together slow it to
# one secret check per AUTH_SLOWDOWN_SECONDS for the rest of the window. 0 turns a bound off.
AUTH_FAILURES_PER_CLIENT = env.int("AUTH_FAILURES_PER_CLIENT", default=10)
AUTH_FAILURES_PER_ADDRESS = env.int("AUTH_FAILURES_PER_ADDRESS", default=50)
AUTH_FAILURES_PER_CLIENT_ANY_ADDRESS = env.int("AUTH_FAILURES_PER_CLIENT_ANY_ADDRESS", 100)
AUTH_SLOWDOWN_SECONDS = env.int("AUTH_SLOWDOWN_SECONDS", default=2)
AUTH_FAILURE_WINDOW_SECONDS = env.int("AUTH_FAILURE_WINDOW_SECONDS", default=300)
AUTH_LOCKOUT_SECONDS = env.int("AUTH_LOCKOUT_SECONDS", default=AUTH_FAILURE_WINDOW_SECONDS)

# --- REST framework and API docs ----------------------------------------------------------------
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=1000)
API_DEFAULT_PAGE_SIZE = env.int("API_DEFAULT_PAGE_SIZE", default=100)
# Profile pictures (`/v1.0/identities/{id}/profilepicture`): the largest image accepted, in
# bytes (decoded), and in pixels (width x height, so a small file cannot decode to gigabytes);
# the most pixels a check may decode (4 bytes each): a baseline JPEG is decoded reduced (up to
# 1/8 a side), a PNG, GIF, WebP or progressive JPEG whole, so those are refused above it.
PROFILE_PICTURE_MAX_BYTES = env.int("PROFILE_PICTURE_MAX_BYTES", default=1024 * 1024)
PROFILE_PICTURE_MAX_PIXELS = env.int("PROFILE_PICTURE_MAX_PIXELS", default=4096 * 4096)
PROFILE_PICTURE_MAX_DECODED_PIXELS = env.int("PROFILE_PICTURE_MAX_DECODED_PIXELS",
                                             default=1024 * 1024)
# import_backoffice: the largest catalog file, in bytes, refused before it is parsed (the
# largest valid catalog, 10,000 entries of the longest keys and names, takes under 5 MB).
BACKOFFICE_IMPORT_MAX_BYTES = env.int("BACKOFFICE_IMPORT_MAX_BYTES", default=8 * 1024 * 1024)
# Largest request body accepted, in bytes, whatever its type or transfer encoding (bulk imports
# go through management commands); foundation.api.body_limit enforces it before any view.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "identities.api.authentication.BearerAuthentication",
        "identities.api.authentication.ServiceBasicAuthentication",
    ],
    # reach is the default: a view declares its realm or opts out (foundation.api.reach)
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated",
                                   "foundation.api.reach.ReachPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["foundation.api.parsers.JSONParser"],  # nesting depth bounded
    "DEFAULT_FILTER_BACKENDS": ["foundation.api.reach.ReachFilterBackend",
                                "django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "foundation.api.pagination.StandardPagination",
    "PAGE_SIZE": API_DEFAULT_PAGE_SIZE,
    "EXCEPTION_HANDLER": "foundation.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # The caller's address is REMOTE_ADDR; behind N trusted reverse proxies, the N-th entry
    # from the right of X-Forwarded-For (a spoofable header is never trusted by default).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Tessera API",
    "DESCRIPTION": (
        "Tessera, a registry of who may act for whom. Its REST surfaces are wire-compatible "
        "with five vendor APIs; each is tagged with the vendor surface it implements."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # no badge loaded from validator.swagger.io: the docs work offline
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MemberSortBy": "identities.api.dfs_serializers.SORT_BY",
        "SortOrder": "identities.api.dfs_serializers.SORT_ORDERS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "foundation.api.schema.add_error_responses",
        "foundation.api.schema.allow_empty_values",
        "foundation.api.schema.require_marked_bodies",
        "foundation.api.schema.add_consistency_headers",
        "identities.api.schema.add_token_endpoint",
    ],
}

# --- internationalisation, static files ---------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- security (production defaults follow DEBUG; each can be set from the environment) ----------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy of every response; the API docs pages add what they need.
CONTENT_SECURITY_POLICY = content_security.POLICY

# --- logging: every line carries the request's correlation id -----------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation": {"()": "foundation.api.correlation.CorrelationIdLogFilter"}},
    "formatters": {"plain": {
        "format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["correlation"],
                             "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # the task queue logs every task twice at INFO: the webhook worker logs its own outcomes
    "loggers": {name: {"level": "WARNING"} for name in (
        "django.db.backends", "django_tasks", "django_tasks_db")},
}

# --- organizations (spec 001, the CustomerID surface under /eidm2/services/) --------------------
# Organization types: "type:Role1|Role2;type2:" — each type names the roles created with an
# organization of that type (the equivalent of CustomerID's configured organization classes).
ORGS_ORGANIZATION_TYPES: dict[str, list[str]] = {
    name.strip(): [role.strip() for role in roles.split("|") if role.strip()]
    for name, _, roles in (
        item.partition(":")
        for item in env.str(
            "ORGS_ORGANIZATION_TYPES",
            default="company:OrganizationMainUser|OrganizationUser;department:",
        ).split(";")
        if item.strip()
    )
}
# The type given to an organization created without organizationType ("" = none, no roles).
ORGS_DEFAULT_ORGANIZATION_TYPE = env.str("ORGS_DEFAULT_ORGANIZATION_TYPE", default="")
# Custom attributes (CustomerID's data.organization.fields and data.user.fields).
ORGS_ORGANIZATION_ATTRIBUTES = env.list(
    "ORGS_ORGANIZATION_ATTRIBUTES", default=["vatnumber", "organizationid", "domain", "address"]
)
ORGS_USER_ATTRIBUTES = env.list(
    "ORGS_USER_ATTRIBUTES", default=["age", "title", "department", "employeeid"]
)
# The authorisation type code revoked by `mandates.remove` (spec 004 authorisations).
ORGS_MANDATE_TYPE = env.str("ORGS_MANDATE_TYPE", default="mandate")
# The largest list any read answers (maxResults may ask for less, never more).
ORGS_MAX_RESULTS = env.int("ORGS_MAX_RESULTS", default=100_000)
