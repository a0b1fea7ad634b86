"""Template filters for values Django's own filters do not format as the language writes them."""

from django import template
from django.utils import formats

from crm.formats import short_month_format

register = template.Library()


@register.filter
def short_month(value) -> str:
    """`{{ day|short_month }}`: month and year in little room, "Dec 2026", "dic 2026", "dez 2026"."""
    if not value:
        return ""
    return formats.date_format(value, short_month_format())
