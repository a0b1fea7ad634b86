"""The contact list's rows, formatted in Python: the same HTML as the template's, for less time
than the template's per-cell lookups over 50 rows."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from crm.html import text

register = template.Library()


@register.simple_tag
def contact_row(contact) -> SafeString:
    organisation = contact.organisation
    organisation_link = (
        format_html('<a href="{}">{}</a>', organisation.get_absolute_url(), text(organisation.name))
        if organisation else ""
    )
    return format_html(
        '<td><a href="{}">{}</a></td>\n<td>{}</td>\n<td>{}</td>\n<td>{}</td>\n<td>{}</td>',
        contact.get_absolute_url(), text(contact.name), text(contact.get_kind_display()), organisation_link,
        text(contact.email), text(contact.owner),
    )
