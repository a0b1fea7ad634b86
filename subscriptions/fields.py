"""Subscription fields for the contact field registry; imported by `SubscriptionsConfig.ready()`.

Each is one of the contact's subscription figures, read the one way `subscriptions.summary`
reads them (`figure`): the stored, indexed column while today's summaries are recorded, else the
definition over the periods. Smart lists, the renewals dashboard and CSV exports sort, filter and
total exactly what the widget shows; tests hold the two equal.
"""

import math

import django_filters
from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.db.models import F
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from crm import fields
from crm.fields import ContactField, register, register_stored_rows
from subscriptions.models import Direction, Period, SubscriptionSummary
from subscriptions.movement_figures import movement_filters
from subscriptions.pipeline_figures import figure_filters
from subscriptions.queries import ends_within_q
from subscriptions.summary import figure, is_fresh

FEATURE = "subscriptions"


def _text(template, **params):
    """`template % params`, translated when shown (in the language of whoever looks), not when the
    filters are built (once per process)."""
    return lazy(lambda: gettext(template) % {name: str(value) for name, value in params.items()}, str)()


def _installation_currency():
    return settings.CRM_CURRENCY


class MoneyBoundFilter(django_filters.NumberFilter):
    """One bound of a money range, applied in one currency: amounts in another never match.

    The currency is the range's own (`<key>_currency`), or the installation's (`CRM_CURRENCY`) when
    none is chosen. A CRM user types "MRR from 100" thinking in the installation's currency, the one
    totals and the pipeline are given in; a foreign subscription is the exception, so its currency is
    a choice beside the range rather than a guess, and 100 USD never passes for 100 EUR.
    """

    def __init__(self, *, contact_field: str, currency_parameter: str, **kwargs):
        super().__init__(**kwargs)
        self.contact_field, self.currency_parameter = contact_field, currency_parameter

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        currency = (self.parent.form.cleaned_data.get(self.currency_parameter) or settings.CRM_CURRENCY).upper()
        qs = _with_currency(qs, self.contact_field)
        in_currency = {fields.get(self.contact_field).currency_key: currency}
        return qs.filter(**{f"{self.field_name}__{self.lookup_expr}": value}, **in_currency)


class CurrencyFilter(django_filters.CharFilter):
    """The currency of a money range; on its own, the rows whose amount is in that currency."""

    def __init__(self, *, contact_field: str, **kwargs):
        super().__init__(
            max_length=3, min_length=3, widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
            validators=[RegexValidator(r"^[A-Za-z]{3}$", _("Use a three-letter currency code, such as EUR."))],
            **kwargs,
        )
        self.contact_field = contact_field

    def filter(self, qs, value):
        if not value:
            return qs
        qs = _with_currency(qs, self.contact_field)
        return qs.filter(**{fields.get(self.contact_field).currency_key: value.upper()})


def _with_currency(qs, key):
    """`qs` with the currency of the money field `key` annotated (the listing has it already)."""
    if fields.get(key).currency_key in qs.query.annotations:
        return qs
    from crm.dates import today

    return fields.annotate(qs, [key], today=today())


def _mrr_range(key, label):
    # A bound is checked against the stored column's precision before it reaches a query: one
    # PostgreSQL cannot hold as numeric (1e-100000) failed the whole list, its export and every
    # list that saved it.
    column = Period._meta.get_field("mrr")
    precision = {"max_digits": column.max_digits, "decimal_places": column.decimal_places}
    currency = f"{key}_currency"
    currency_label = _text(gettext_noop("%(label)s currency"), label=label)
    bound_help = _text(
        gettext_noop(
            "In the currency of “%(currency_label)s”: %(currency)s unless another is chosen. "
            "Amounts in other currencies never match."
        ),
        currency_label=currency_label, currency=lazy(_installation_currency, str)(),
    )
    bound = {"contact_field": key, "currency_parameter": currency, "help_text": bound_help, **precision}
    return lambda: {
        f"{key}_min": MoneyBoundFilter(field_name=key, lookup_expr="gte", label=_text(gettext_noop("%(label)s from"), label=label), **bound),
        f"{key}_max": MoneyBoundFilter(field_name=key, lookup_expr="lte", label=_text(gettext_noop("%(label)s to"), label=label), **bound),
        currency: CurrencyFilter(
            contact_field=key, label=currency_label,
            help_text=_text(
                gettext_noop("Three letters, such as %(currency)s, the default."), currency=lazy(_installation_currency, str)()
            ),
        ),
    }


# The stored currency of each money figure.
CURRENCY_OF = {"current_mrr": "current_currency", "upcoming_mrr": "upcoming_currency", "remaining_value": "current_currency"}
# The day each money figure is converted into the reporting currency on: its period's start
# (`conversion`; the remaining value is what is left of the current period).
CONVERTED_ON = {"current_mrr": "current_start", "upcoming_mrr": "upcoming_start", "remaining_value": "current_start"}


def _stored_rows(reading):
    """The summary rows, each figure and currency under its field's key (`fields.stored_rows`):
    only while they are today's."""
    if not reading.once("subscriptions.fresh", lambda: is_fresh(reading.today)):
        return None
    rows = SubscriptionSummary.objects.all() if reading.owners is None else SubscriptionSummary.objects.filter(owner__in=reading.owners)
    return rows.annotate(
        **{fields.get(key).currency_key: F(currency) for key, currency in CURRENCY_OF.items()},
        **{fields.get(key).converted_on_key: F(day) for key, day in CONVERTED_ON.items()},
    )


def _figure(name):
    """`(reading) -> expression` of the figure `name`, fresh or not asked once per reading."""

    def expression(reading):
        fresh = reading.once("subscriptions.fresh", lambda: is_fresh(reading.today))
        return figure(name, today=reading.today, fresh=fresh)

    return expression


class EndsWithinFilter(django_filters.NumberFilter):
    """Subscription ending within N days of today (today included), as the pipeline counts it:
    nothing follows the current period directly (`queries.ends_within_q`)."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        from crm.dates import today

        # A date range rather than a day count, so the stored end date's index serves it.
        first = today()
        if "upcoming_start" not in qs.query.annotations and qs.model is not SubscriptionSummary:
            qs = qs.alias(upcoming_start=_figure("upcoming_start")(fields.Reading(first)))
        return qs.filter(ends_within_q(math.floor(value), first))


def register_subscription_fields():
    register_stored_rows(FEATURE, _stored_rows, owner_lookup="subscription_summary__owner")
    register(
        ContactField(
            key="current_mrr", label=_("Current MRR"), kind="money", feature=FEATURE, summable=True,
            expression=_figure("current_mrr"), filters=_mrr_range("current_mrr", _("Current MRR")),
            currency=_figure(CURRENCY_OF["current_mrr"]), converted_on=_figure(CONVERTED_ON["current_mrr"]),
        )
    )
    register(ContactField(key="current_currency", label=_("Currency"), kind="text", feature=FEATURE,
                          expression=_figure("current_currency")))
    # Its filter, "ends within N days", also reads the upcoming start (`queries.ending_q`).
    register(ContactField(key="current_end", label=_("Subscription end date"), kind="date", feature=FEATURE,
                          requires=("upcoming_start",), expression=_figure("current_end"),
                          filters=lambda: {"ends_within_days": EndsWithinFilter(label=_("Ends within (days)"), min_value=0, max_value=36500)}))
    register(
        ContactField(
            key="upcoming_mrr", label=_("Upcoming MRR"), kind="money", feature=FEATURE, summable=True,
            expression=_figure("upcoming_mrr"), filters=_mrr_range("upcoming_mrr", _("Upcoming MRR")),
            currency=_figure(CURRENCY_OF["upcoming_mrr"]), converted_on=_figure(CONVERTED_ON["upcoming_mrr"]),
        )
    )
    register(ContactField(key="upcoming_currency", label=_("Upcoming currency"), kind="text", feature=FEATURE,
                          expression=_figure("upcoming_currency")))
    register(ContactField(key="upcoming_start", label=_("Upcoming start date"), kind="date", feature=FEATURE,
                          expression=_figure("upcoming_start")))
    register(
        ContactField(
            key="upcoming_direction", label=_("MRR status"), kind="choice", feature=FEATURE,
            choices=tuple(Direction.choices),
            requires=("current_mrr", "current_currency", "current_end", "upcoming_mrr", "upcoming_currency", "upcoming_start"),
            expression=_figure("upcoming_direction"),
            # and the figures of the pipeline (each a set of MRR statuses and currencies, `pipeline_figures`)
            # and of the MRR movements by month (`movement_figures`)
            filters=lambda: {
                "direction": django_filters.ChoiceFilter(field_name="upcoming_direction", choices=Direction.choices, label=_("MRR status")),
                **figure_filters(),
                **movement_filters(),
            },
        )
    )
    register(
        ContactField(
            key="remaining_value", label=_("Remaining contract value"), kind="money", feature=FEATURE, summable=True,
            requires=("current_mrr", "current_end"), expression=_figure("remaining_value"),
            currency=_figure(CURRENCY_OF["remaining_value"]), converted_on=_figure(CONVERTED_ON["remaining_value"]),
        )
    )


def register_subscription_import_fields():
    """What a CSV of subscription periods may fill: the period form's fields, and the contact each
    row belongs to (by its external ID, its e-mail or its name). Off with the feature, like the columns."""
    from crm.fields import ImportField, register_importable

    def importable(key, label, names=(), required=False):
        register_importable(ImportField(key=key, label=label, target="periods", names=names, feature=FEATURE,
                                        required=required, headers=PERIOD_HEADERS.get(key, {})))

    importable("contact_external_id", _("Contact external ID"))
    importable("contact_email", _("Contact e-mail"))
    importable("contact_name", _("Contact name"))
    meta = Period._meta
    for key, names in [
        ("currency", (_("Currency"),)),
        ("mrr", (_("MRR"),)),
        ("price", (_("Price"),)),
        ("billing_frequency", (_("Billing frequency"),)),
        ("billing_every_months", (_("Every N months"),)),
        ("start_date", (_("Effective date"), _("Start date"))),
        ("end_date", (_("End date"),)),
        ("term_months", (_("Number of months"),)),
        ("description", (_("Description"),)),
    ]:
        importable(key, meta.get_field(key).verbose_name, names, required=key in ("currency", "start_date"))


# What files made elsewhere (billing systems, spreadsheets) call a period's columns, by language.
PERIOD_HEADERS = {
    "contact_external_id": {"en": ("Contact ID", "Customer ID"), "it": ("ID contatto", "Codice cliente"),
                            "pt_BR": ("ID do contato", "Código do cliente")},
    "contact_email": {"en": ("Email", "E-mail", "Customer email"), "it": ("Email contatto", "Email cliente"),
                      "pt_BR": ("E-mail do contato", "E-mail do cliente")},
    "contact_name": {"en": ("Contact", "Contact name", "Customer", "Customer name"),
                     "it": ("Contatto", "Nome contatto", "Cliente", "Nome cliente"),
                     "pt_BR": ("Contato", "Nome do contato", "Cliente", "Nome do cliente")},
    "mrr": {"en": ("Monthly value", "Monthly recurring revenue", "Monthly amount"),
            "it": ("Valore mensile", "Canone mensile", "Importo mensile"), "pt_BR": ("Valor mensal", "Mensalidade", "Receita mensal")},
    "price": {"en": ("Amount",), "it": ("Importo",), "pt_BR": ("Valor",)},
    "billing_frequency": {"en": ("Frequency", "Billing period"), "it": ("Frequenza", "Periodicità"),
                          "pt_BR": ("Frequência", "Periodicidade")},
    "start_date": {"en": ("Start", "Starts", "From", "Begin date"), "it": ("Data inizio", "Inizio", "Dal"),
                   "pt_BR": ("Início", "Data inicial")},
    "end_date": {"en": ("End", "Ends", "Until"), "it": ("Data fine", "Fine", "Al"), "pt_BR": ("Fim", "Data final", "Término")},
    "term_months": {"en": ("Months", "Term", "Term (months)"), "it": ("Mesi", "Durata", "Durata (mesi)"),
                    "pt_BR": ("Meses", "Duração", "Prazo")},
    "description": {"en": ("Notes", "Plan"), "it": ("Note", "Piano"), "pt_BR": ("Observações", "Plano")},
}
