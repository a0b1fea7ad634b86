"""The contact list's rows, formatted in Python: the same HTML as the template's, for less time
than the template's per-cell lookups over 50 rows."""

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

register = template.Library()


def _text(value) -> str:
    """`{{ value }}` in a template: localised and escaped."""
    return conditional_escape(localize(value))


@register.simple_tag
def contact_row(contact) -> SafeString:
    organisation = contact.organisation
    organisation_link = (
        format_html('<a href="{}">{}</a>', organisation.get_absolute_url(), _text(organisation.name))
        if organisation else ""
    )
    return format_html(
        '<td><a href="{}">{}</a></td>\n<td>{}</td>\n<td>{}</td>\n<td>{}</td>\n<td>{}</td>',
        contact.get_absolute_url(), _text(contact.name), _text(contact.get_kind_display()), organisation_link,
        _text(contact.email), _text(contact.owner),
    )
