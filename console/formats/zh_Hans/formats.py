# Django's zh_Hans formats group no digits; money and counts on a billing console must
# read ¥2,000.00 and 1,000,000 in both languages.
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
