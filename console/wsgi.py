import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings.development")
django_application = get_wsgi_application()

from billing.checks import refuse_unsafe_start  # noqa: E402  (needs Django set up)

refuse_unsafe_start()  # gunicorn runs no system checks: never serve with the sandbox in production

from billing.api.fast import with_entitlement_fast_path  # noqa: E402  (needs Django set up)

application = with_entitlement_fast_path(django_application)
