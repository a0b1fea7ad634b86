"""The contacts behind each figure of the MRR movements report: what a figure's link lists.

The smart list filter `movement` (registered with the subscription fields, as the pipeline's
figures are) narrows a list to the contacts whose periods make one figure (`movements.contacts_in`)
in the currency and months given beside it (`movement_currency`, `movement_month` and, for a
range, `movement_until`), or, with `movement_converted`, in every currency: a figure of the
report's converted section, the exchange-rate movement among them. They are reached through the
report's links, which open the person's own list of the contacts behind the movements' figures
(`smartlists:movements`, a preset made the first time, as the pipeline's is); visibility stays the list's.
"""

from urllib.parse import urlencode

import django_filters
from django.conf import settings
from django.core.validators import RegexValidator
from django.db.models import Value
from django.utils.translation import gettext_lazy as _

from crm import dates
from subscriptions.movements import contacts_in

# (figure, label): the report's columns, in its order (the cells' `data-figure`).
FIGURES = (
    ("opening", _("Opening MRR")),
    ("new", _("New business")),
    ("expansion", _("Expansion")),
    ("reactivation", _("Reactivation")),
    ("contraction", _("Contraction")),
    ("churn", _("Churn")),
    ("closing", _("Closing MRR")),
)
# and the converted section's own figure (`movements_converted`)
EXCHANGE_RATE = ("exchange_rate", _("Exchange rate"))
CONVERTED = "1"


class MovementFilter(django_filters.ChoiceFilter):
    """The contacts of one figure of the movements report, in the currency and months given beside
    it: the installation's currency and this month when not given; in every currency when the
    figure is a converted one. A range whose last month comes before its first lists no one
    (never everyone)."""

    def filter(self, qs, value):
        if not value:
            return qs
        data = self.parent.form.cleaned_data
        currency = None if data.get("movement_converted") == CONVERTED else (
            data.get("movement_currency") or settings.CRM_CURRENCY).upper()
        first = data.get("movement_month") or dates.today().replace(day=1)
        last = data.get("movement_until") or first
        if last < first:
            return qs.filter(Value(False))  # (not `none()`: a list's count and totals compile its SQL)
        return qs.filter(pk__in=contacts_in(value, currency, first, last))


class MonthFilter(django_filters.Filter):
    field_class = dates.MonthField


def _qualifies(qs, name, value):
    """A parameter that only says how `movement` reads (its currency, its months): no filter of its own."""
    return qs


def movement_filters() -> dict:
    """The report's figures as filters, shown as chips when given and never offered by a list's
    "Add filter" picker (`link_only`): a report's links give them."""
    filters = {
        "movement": MovementFilter(choices=(*FIGURES, EXCHANGE_RATE), label=_("MRR movement")),
        "movement_currency": django_filters.CharFilter(
            method=_qualifies, label=_("MRR movement currency"), min_length=3, max_length=3,
            validators=[RegexValidator(r"^[A-Za-z]{3}$", _("Use a three-letter currency code, such as EUR."))],
        ),
        "movement_converted": django_filters.ChoiceFilter(
            method=_qualifies, label=_("MRR movement in"),
            choices=((CONVERTED, _("Every currency, converted into the reporting currency")),),
        ),
        "movement_month": MonthFilter(method=_qualifies, label=_("MRR movement month"),
                                      help_text=_("This month when left empty.")),
        "movement_until": MonthFilter(method=_qualifies, label=_("MRR movements until"),
                                      help_text=_("The month above alone when left empty.")),
    }
    for movement_filter in filters.values():
        movement_filter.link_only = True
    return filters


def figure_query(*, currency: str | None, first, last=None, owner: str | None = None) -> str:
    """The parameters a figure's link gives beside `movement`: its currency (None: a converted
    figure, every currency), its month (or range of months) and its owner's username (none for a
    total)."""
    params = {"movement_currency": currency} if currency is not None else {"movement_converted": CONVERTED}
    params["movement_month"] = first.strftime("%Y-%m")
    if last is not None and last != first:
        params["movement_until"] = last.strftime("%Y-%m")
    if owner is not None:
        params["owner"] = owner
    return urlencode(params)

