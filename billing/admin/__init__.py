"""Support staff's back office. Money is read-only here except through services with a reason.

One module per concern; importing them registers their ModelAdmins with the site.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import accounts, apps, catalog, history, money, refunds  # noqa: F401

admin.site.site_header = _("Cloud Console · Support")
admin.site.site_title = _("Cloud Console Support")
admin.site.index_title = _("Back office")
