"""Settings shared by every environment; values come from the environment (django-environ)."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789"
)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "template_partials",
    "django_fsm",
    "django_celery_beat",
    "phonenumber_field",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "billing",
    "notifications",
    "console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "console.middleware.RejectUnstorableInput",
    "console.middleware.DatabaseUnavailable",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "console.middleware.PrivatePages",
    "django.contrib.messages.middleware.MessageMiddleware",
    "console.middleware.StaffTwoFactor",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "console.htmx.HtmxMessagesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

# Content-Security-Policy (django-csp): scripts only from our own static files, so an injected
# <script> or on*= attribute does not run. Inline style attributes stay allowed (Bootstrap
# markup and htmx's indicator styles use them); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"

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
                "console.context_processors.console",
                "notifications.context_processors.unread",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/billing_console"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# A kept connection that PostgreSQL dropped (restart, pg_terminate_backend, failover) is
# noticed when a request starts and replaced, instead of failing that request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="console"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# allauth: sign-up and login by email; the console, not allauth, owns everything billing.
ACCOUNT_LOGIN_METHODS = {"email"}
# Failed logins are limited per address and per account. The admin signs in through the same
# page (console/urls.py), so staff logins are limited too.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# Two-factor authentication (allauth.mfa): every staff login needs a TOTP code
# (console.middleware.StaffTwoFactor sends staff without one to set it up).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Cloud Console"
MFA_TOTP_TOLERANCE = 1  # one 30-second step of clock drift either way (RFC 6238 §5.2)
MFA_ALLOW_UNVERIFIED_EMAIL = True  # staff accounts are made by hand, often without a mailbox
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "console:overview"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# Billing rules are in Asia/Shanghai time (SPEC.md conventions); storage is UTC.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Cloud Console <billing@console.localhost>")
CONSOLE_BASE_URL = env("CONSOLE_BASE_URL", default="http://127.0.0.1:8000")

# Celery: JSON only, late acks so a crashed worker's task is redelivered (tasks are idempotent).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="console")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Payment provider for recharges: a clearly labelled sandbox unless a real gateway is configured.
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", default="billing.payments.SandboxPaymentProvider")
# Only development and test settings may run the sandbox (billing.checks refuses it otherwise).
PAYMENT_SANDBOX_ALLOWED = True
# Shown on the bank-transfer page (BankTransferProvider): who the customer pays.
BANK_TRANSFER_PAYEE = env("BANK_TRANSFER_PAYEE", default="")
BANK_TRANSFER_BANK = env("BANK_TRANSFER_BANK", default="")
BANK_TRANSFER_ACCOUNT = env("BANK_TRANSFER_ACCOUNT", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- notifications ---
# SMS goes through notifications.channels.sms; the default records messages in the database
# (admin → "Development SMS outbox"). Production: notifications.channels.sms.TencentCloudSmsBackend.
SMS_BACKEND = env("SMS_BACKEND", default="notifications.channels.sms.DatabaseSmsBackend")
TENCENTCLOUD_SECRET_ID = env("TENCENTCLOUD_SECRET_ID", default="")
TENCENTCLOUD_SECRET_KEY = env("TENCENTCLOUD_SECRET_KEY", default="")
SMS_SDK_APP_ID = env("SMS_SDK_APP_ID", default="")
SMS_SIGN_NAME = env("SMS_SIGN_NAME", default="")
SMS_REGION = env("SMS_REGION", default="ap-guangzhou")
# Empty: the SDK's own endpoint (sms.tencentcloudapi.com). A full URL overrides it.
SMS_ENDPOINT = env("SMS_ENDPOINT", default="")
SMS_TIMEOUT = env.int("SMS_TIMEOUT", default=10)
# Notice kind -> approved Tencent Cloud template id, e.g. {"balance_alert": "1234567", ...}.
SMS_TEMPLATE_IDS = env.json("SMS_TEMPLATE_IDS", default={})
NOTIFICATIONS_MAX_RETRIES = env.int("NOTIFICATIONS_MAX_RETRIES", default=6)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.float("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30.0)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.float("NOTIFICATIONS_RETRY_MAX_SECONDS", default=3600.0)
# A worker that claimed a delivery this long ago died mid-send (providers time out sooner).
NOTIFICATIONS_SENDING_TIMEOUT_SECONDS = env.int(
    "NOTIFICATIONS_SENDING_TIMEOUT_SECONDS", default=300
)
# A queued delivery untouched this long lost its task; the periodic sweep enqueues it again.
NOTIFICATIONS_STUCK_AFTER_SECONDS = env.int("NOTIFICATIONS_STUCK_AFTER_SECONDS", default=600)

# Number grouping for zh-hans money (console/formats/zh_Hans/formats.py).
FORMAT_MODULE_PATH = ["console.formats"]

# A full metering batch (10,000 verification events) is about 2.3 MB of compact JSON and more
# when pretty-printed; Django's 2.5 MB default would refuse some valid batches.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
