import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings.development")
django_application = get_wsgi_application()

from billing.api.fast import with_entitlement_fast_path  # noqa: E402  (needs Django set up)

application = with_entitlement_fast_path(django_application)
