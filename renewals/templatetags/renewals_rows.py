from django import template

from renewals.rows import row_html

register = template.Library()


@register.simple_tag(takes_context=True)
def change_row(context):
    """The row of `change` as the table and the in-place actions show it (see renewals.rows)."""
    return row_html(
        context["change"], context["shown"], context["layout"], context.get("csrf_token"),
        row_error=context.get("row_error"), row_form=context.get("row_form"),
    )
