"""A contract change's table row, formatted in Python.

The dashboard shows 50 rows, each with two small forms, a dropdown of the customer's people and up
to three action forms: through template tags, one row cost ~3 ms (an {% if %} chain per cell,
eleven `{% url %}`s, four `{% csrf_token %}`s). This is the same HTML, built directly: every
value is escaped as `{{ value }}` escapes it, dates and numbers are localised the same way, and
the strings are the template's msgids (`blocktranslate` placeholders become `%(name)s`).
"""

import functools

from django.template.defaultfilters import floatformat
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from crm.html import date, text
from crm.links import object_url


ON_CHANGE = ' hx-trigger="change"'


def _money(value) -> str:
    if value is None:
        return '<td class="num"><span class="muted">—</span></td>'
    return f'<td class="num">{floatformat(value, 2)}</td>'


def _csrf_input(csrf_token) -> str:
    """`{% csrf_token %}`."""
    if not csrf_token or csrf_token == "NOTPROVIDED":
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token)


@functools.lru_cache(maxsize=16)
def _labels(language: str) -> dict[str, str]:
    """The row's strings in `language`: translated once, not again on each of 50 rows.

    The fixed ones are escaped as `{% translate %}` output is; the ones with placeholders are
    filled with escaped values and, like `{% blocktranslate %}` text, not escaped themselves.
    """
    fixed = {
        "vendor": gettext("Vendor"),
        "partner": gettext("Partner"),
        "not_set": gettext("— not set —"),
        "save": gettext("Save"),
        "agreed": gettext("Customer agreed"),
        "cancellation": gettext("Cancellation requested"),
        "end": gettext("End association"),
    }
    return {key: conditional_escape(label) for key, label in fixed.items()} | {
        "someone": gettext("someone"),  # a value filled in like a name: escaped with it
        "owner_for": gettext("Communication owner for %(name)s"),
        "primary_for": gettext("Primary customer contact for %(name)s"),
        "cancellation_by": gettext("Cancellation requested by %(who)s, %(when)s"),
        "agreed_by": gettext("Customer agreed, recorded by %(who)s, %(when)s"),
        "confirm_cancellation": gettext("Record that %(name)s requested cancellation?"),
        "confirm_end": gettext("End the association with %(name)s? The customer leaves your dashboard."),
    }


class _Row:
    def __init__(self, change, layout: str, csrf_token):
        self.change = change
        self.layout = layout
        self.labels = _labels(get_language())
        self.csrf = _csrf_input(csrf_token)
        self.name = text(change.customer.contact.name)
        self.hidden = format_html(
            '<input type="hidden" name="version" value="{}"><input type="hidden" name="layout" value="{}">',
            change.version, layout,
        )

    def _form_head(self, url_name: str, extra: str = "") -> str:
        url = conditional_escape(object_url(url_name, self.change.pk))
        return (f'<form method="post" action="{url}" hx-post="{url}"{extra}>\n'
                f"{self.csrf}\n{self.hidden}\n")

    def communication_owner(self) -> str:
        change = self.change
        options = "".join(
            f'<option value="{value}" {"selected" if change.communication_owner_effective == value else ""}>'
            f"{self.labels[value]}</option>\n"
            for value in ("vendor", "partner")
        )
        label = self.labels["owner_for"] % {"name": self.name}
        return self._select_cell("renewals:change_communication_owner", "owner", "owner", label, options)

    def primary_contact(self) -> str:
        change = self.change
        options = [f'<option value="">{self.labels["not_set"]}</option>\n']
        for person in change.customer.contact.people.all():
            selected = "selected" if person.pk == change.primary_contact_id else ""
            options.append(f'<option value="{person.pk}" {selected}>{text(person.name)}</option>\n')
        label = self.labels["primary_for"] % {"name": self.name}
        return self._select_cell("renewals:change_primary_contact", "primary", "primary_contact", label, "".join(options))

    def _select_cell(self, url_name: str, id_prefix: str, name: str, label: str, options: str) -> str:
        """A cell holding a one-select form that saves when the choice changes."""
        element_id = f"{id_prefix}-{self.change.pk}"
        head = self._form_head(url_name, ON_CHANGE)
        return (f"<td>\n{head}"
                f'<label for="{element_id}" class="visually-hidden">{label}</label>\n'
                f'<select id="{element_id}" name="{name}">\n{options}</select>\n'
                f'{self._noscript_save()}</form>\n</td>')

    def _noscript_save(self) -> str:
        return f'<noscript><button type="submit" class="secondary">{self.labels["save"]}</button></noscript>\n'

    def status(self) -> str:
        change = self.change
        html = f'<td>\n<span class="badge status-{text(change.status)}">{text(change.get_status_display())}</span>\n'
        if change.cancellation_requested_at:
            note = self.labels["cancellation_by"] % {
                "who": text(change.cancellation_requested_by or self.labels["someone"]),
                "when": date(change.cancellation_requested_at, "SHORT_DATETIME_FORMAT"),
            }
            html += f'<br><small class="muted">{note}</small>\n'
        if change.agreed_at:
            note = self.labels["agreed_by"] % {
                "who": text(change.agreed_by or self.labels["someone"]),
                "when": date(change.agreed_at, "SHORT_DATETIME_FORMAT"),
            }
            html += f'<br><small class="muted">{note}</small>\n'
        return html + "</td>"

    def cell(self, key: str) -> str:
        change = self.change
        customer = change.customer
        if key == "customer":
            url = conditional_escape(object_url("renewals:customer", change.customer_id))
            return f'<td><a href="{url}">{self.name}</a></td>'
        if key == "communication_owner":
            return self.communication_owner()
        if key == "primary_contact":
            return self.primary_contact()
        if key == "type":
            return f"<td>{text(change.get_type_display())}</td>"
        if key == "status":
            return self.status()
        if key in ("deadline", "start_date"):
            value = getattr(change, key)
            return f'<td><time datetime="{date(value, "Y-m-d")}">{date(value, "SHORT_DATE_FORMAT")}</time></td>'
        if key == "website":
            if not customer.website:
                return "<td></td>"
            website = text(customer.website)
            return f'<td><a href="{website}" rel="noopener noreferrer">{website}</a></td>'
        if key == "account_id":
            return f"<td>{text(customer.account_id)}</td>"
        if key == "max_contacts":
            return f'<td class="num">{text(customer.max_contacts)}</td>'
        if key == "email_limit":
            return f'<td class="num">{text(customer.email_send_limit)}</td>'
        if key == "billing_frequency":
            return f"<td>{text(change.get_billing_frequency_display())}</td>"
        if key == "term":
            return f'<td class="num">{text(change.get_term_months_display())}</td>'
        if key in ("current_mrr", "upcoming_mrr"):
            return _money(getattr(change, key))
        return ""

    def actions(self, row_error, row_form) -> str:
        change = self.change
        html = ['<td class="row-actions">\n']
        if not change.agreed_at and not change.cancellation_requested_at:
            html.append(f"{self._form_head('renewals:change_agreed')}"
                        f'<button type="submit" class="secondary outline">{self.labels["agreed"]}</button>\n'
                        "</form>\n")
        if not change.cancellation_requested_at:
            confirm = self.labels["confirm_cancellation"] % {"name": self.name}
            head = self._form_head("renewals:change_cancellation", f'\n      hx-confirm="{confirm}"')
            html.append(f"{head}"
                        f'<button type="submit" class="secondary outline">{self.labels["cancellation"]}</button>\n'
                        "</form>\n")
        if self.layout == "dashboard":
            url = conditional_escape(object_url("renewals:end_association", change.customer_id))
            confirm = self.labels["confirm_end"] % {"name": self.name}
            html.append(f'<a href="{url}" role="button" class="contrast outline"\n'
                        f'   hx-post="{url}" hx-swap="none"\n'
                        f'   hx-confirm="{confirm}">{self.labels["end"]}</a>\n')
        if row_error:
            html.append(f'<p class="errorlist" role="alert">{text(row_error)}</p>\n')
        if row_form is not None and row_form.errors:
            items = "".join(f"<li>{text(error)}</li>" for errors in row_form.errors.values() for error in errors)
            html.append(f'<ul class="errorlist" role="alert">{items}</ul>\n')
        html.append("</td>")
        return "".join(html)


def row_html(change, shown, layout: str, csrf_token, row_error=None, row_form=None) -> SafeString:
    """The `<tr>` of one change; every value in it is escaped above."""
    row = _Row(change, layout, csrf_token)
    cells = "\n".join(row.cell(column.key) for column in shown)
    return mark_safe(
        f'<tr id="change-{change.pk}" hx-target="this" hx-swap="outerHTML">\n{cells}\n'
        f"{row.actions(row_error, row_form)}\n</tr>"
    )
