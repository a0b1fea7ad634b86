"""The contacts behind each figure of the pipeline report: what a figure's link lists.

`figure_q` says whether a contact annotated with its figures (`pipeline.position_figures`) counts in
one figure of the report in one currency. It is `pipeline.movements`, `next_mrr` and `Totals.add`
written as a query, branch for branch (tests hold the two equal, case by case), so that the smart
list filter `pipeline` (registered with the subscription fields) lists exactly the contacts a figure
adds up, as of the report's day, whatever day the list itself is read on.
"""

import datetime
from urllib.parse import urlencode

import django_filters
from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm import dates
from subscriptions.models import Direction
from subscriptions.queries import ends_within_q

# (figure, label): the report's columns, in its order (the cells' `data-figure`).
FIGURES = (
    ("current", _("Current MRR")),
    ("new", _("New")),
    ("expansion", _("Expansion")),
    ("reactivation", _("Reactivation")),
    ("contraction", _("Contraction")),
    ("churn", _("Churn")),
    ("upcoming", _("Upcoming MRR")),
    ("ending30", _("Ending in 30 days")),
    ("ending60", _("Ending in 60 days")),
    ("ending90", _("Ending in 90 days")),
)


def figure_q(figure: str, currency: str, day: datetime.date) -> Q:
    """The contacts that count in `figure` in `currency` as of `day`."""
    current = Q(current_mrr__isnull=False, current_currency=currency)
    if figure == "current":
        return current
    if figure == "upcoming":  # `next_mrr`: the upcoming MRR, else a current one that never ends
        return Q(upcoming_mrr__isnull=False, upcoming_currency=currency) | (
            current & Q(upcoming_mrr__isnull=True, current_end__isnull=True))
    if figure.startswith("ending"):
        return current & ends_within_q(int(figure.removeprefix("ending")), day)
    direction = {
        # only an upcoming period, and none ended before: new business; a currency change is new
        # business in the new currency (and churn in the old one)
        "new": Q(upcoming_currency=currency) & (
            Q(upcoming_direction=Direction.NEW, had_earlier=False) | Q(upcoming_direction=Direction.CURRENCY)),
        # back after a gap: after an earlier period, or after the current one ends
        "reactivation": Q(upcoming_currency=currency) & (
            Q(upcoming_direction=Direction.NEW, had_earlier=True)
            | Q(upcoming_direction=Direction.ENDING, upcoming_mrr__isnull=False)),
        "expansion": Q(current_currency=currency, upcoming_direction=Direction.UP),
        "contraction": Q(current_currency=currency, upcoming_direction=Direction.DOWN),
        "churn": Q(current_currency=currency, upcoming_direction__in=[Direction.ENDING, Direction.CURRENCY]),
    }
    return direction[figure]


def contacts_in(figure: str, currency: str, day: datetime.date):
    """The ids of every contact in `figure` (visibility is the list's: this only narrows it)."""
    from crm.models import Contact
    from subscriptions.pipeline import position_figures
    from subscriptions.summary import is_fresh

    fresh = day == dates.today() and is_fresh(day)  # stored figures are today's only
    rows = position_figures(Contact.objects.all(), today=day, fresh=fresh)
    return rows.filter(figure_q(figure, currency, day)).values("pk")


class FigureFilter(django_filters.ChoiceFilter):
    """The contacts of one figure of the pipeline, in the currency and as of the day given beside it
    (`pipeline_currency`, `pipeline_on`): the installation's currency and today when not given."""

    def filter(self, qs, value):
        if not value:
            return qs
        data = self.parent.form.cleaned_data
        currency = (data.get("pipeline_currency") or settings.CRM_CURRENCY).upper()
        return qs.filter(pk__in=contacts_in(value, currency, data.get("pipeline_on") or dates.today()))


class DayFilter(django_filters.DateFilter):
    field_class = dates.DateField  # a day outside the product's range is an error, not a query


def _qualifies(qs, name, value):
    """A parameter that only says how `pipeline` reads (its currency, its day): no filter of its own."""
    return qs


def figure_filters() -> dict:
    """The pipeline's figures as filters. They are reached through the report's links, so a list
    shows them as chips when given and its "Add filter" picker does not offer them (`link_only`)."""
    filters = {
        "pipeline": FigureFilter(choices=FIGURES, label=_("Pipeline figure")),
        "pipeline_currency": django_filters.CharFilter(
            method=_qualifies, label=_("Pipeline figure currency"), min_length=3, max_length=3,
            validators=[RegexValidator(r"^[A-Za-z]{3}$", _("Use a three-letter currency code, such as EUR."))],
        ),
        "pipeline_on": DayFilter(method=_qualifies, label=_("Pipeline figure as of"), help_text=_("Today when left empty."),
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")),
    }
    for figure_filter in filters.values():
        figure_filter.link_only = True
    return filters


def figure_query(*, currency: str, owner=None, day: datetime.date | None = None) -> str:
    """The parameters a figure's link gives beside `pipeline`: its currency, its owner's row (none
    for a total) and the report's day (none for today's: kept, the link goes on showing today's)."""
    params = {"pipeline_currency": currency}
    if owner is not None:
        params["owner"] = owner.get_username()
    if day is not None:
        params["pipeline_on"] = day.isoformat()
    return urlencode(params)


def linked_sections(report, *, day: datetime.date | None) -> list[dict]:
    """The report's sections (`Report.sections`), each row as (owner, totals, its figures' query)
    and the total's query beside them."""
    sections = report.sections()
    for section in sections:
        code = section["currency"]
        section["rows"] = [(owner, totals, figure_query(currency=code, owner=owner, day=day))
                           for owner, totals in section["rows"]]
        section["total_query"] = figure_query(currency=code, day=day)
    return sections
