from django import template
from django.utils.html import format_html

from console.htmx import htmx_config_json

register = template.Library()


@register.simple_tag
def htmx_config():
    """`<meta name="htmx-config">` from console.htmx: which answers htmx swaps."""
    return format_html('<meta name="htmx-config" content="{}">', htmx_config_json())
