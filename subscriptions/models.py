import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.template.defaultfilters import floatformat
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from crm.billing import BillingFrequency
from crm.models import Contact
from subscriptions.dates import next_day
from subscriptions.money import prorate
from crm.text import single_line


class Tag(models.TextChoices):
    """How a period's MRR compares with the period before it."""

    NEW = "new", _("New business")
    EXPANSION = "expansion", _("Expansion")
    CONTRACTION = "contraction", _("Contraction")
    RENEWAL = "renewal", _("Renewal")
    REACTIVATION = "reactivation", _("Reactivation")


class Direction(models.TextChoices):
    """Where the upcoming MRR goes from the current one (`queries.direction_expression`)."""

    UP = "up", _("Up")
    DOWN = "down", _("Down")
    SAME = "same", _("Same")
    NEW = "new", _("New")
    ENDING = "ending", _("Ending")
    # The next period is in another currency: the two amounts are not compared.
    CURRENCY = "currency", _("Currency change")


class PeriodQuerySet(models.QuerySet):
    def current(self, *, on: datetime.date) -> "PeriodQuerySet":
        """Periods running on `on`: started on or before it and not ended before it."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on)

    def upcoming(self, *, after: datetime.date) -> "PeriodQuerySet":
        """Periods that start after `after`, earliest first."""
        return self.filter(start_date__gt=after).order_by("start_date")

    def for_contact(self, contact) -> "PeriodQuerySet":
        return self.filter(contact=contact).order_by("start_date")

    def visible_to(self, user) -> "PeriodQuerySet":
        """Periods of the contacts `user` may see: the contacts' one visibility gate."""
        return self.filter(contact__in=Contact.objects.visible_to(user))

    def overlapping(self, start: datetime.date, end: datetime.date | None) -> "PeriodQuerySet":
        """Periods sharing at least one day with `start`..`end` (no end: open-ended): `overlaps_sql`."""
        if end is not None and end < start:
            return self.none()  # no range: the check constraint refuses such a period
        table = self.model._meta.db_table
        overlaps = f"{period_range_sql(f'{table}.start_date', f'{table}.end_date')} && {period_range_sql('%s::date', '%s::date')}"
        return self.filter(RawSQL(overlaps, [start, end], output_field=models.BooleanField()))


def period_range_sql(start: str, end: str) -> str:
    """The days of a period as a range, its end day included, no end never ending: the days the
    exclusion constraint `period_no_overlap` keeps apart (as boxes since migration 0010)."""
    return f"daterange({start}, {end}, '[]')"


def overlaps_sql(a: str, b: str) -> str:
    """SQL: the periods (or rows with a `start_date` and an `end_date`) `a` and `b` share a day: the
    no-overlap rule, for one period (`PeriodQuerySet.overlapping`) or a file's (the importer's)."""
    return (f"{period_range_sql(f'{a}.start_date', f'{a}.end_date')}"
            f" && {period_range_sql(f'{b}.start_date', f'{b}.end_date')}")


class Period(models.Model):
    # Its own index would repeat the first column of (contact, start_date), which serves the same lookups.
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="periods", db_index=False)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    mrr = models.DecimalField(
        _("MRR"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    start_date = models.DateField(_("effective date"))
    end_date = models.DateField(_("end date"), null=True, blank=True, help_text=_("Empty: never ends."))
    term_months = models.PositiveSmallIntegerField(_("term in months"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True, validators=[single_line])
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, null=True, blank=True)
    billing_frequency = models.CharField(
        _("billing frequency"), max_length=16, choices=BillingFrequency.choices, blank=True
    )
    billing_every_months = models.PositiveSmallIntegerField(_("every N months"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # The one-time token of the form that added this period ("Add" or "Change subscription"): the
    # same submission twice adds one period. Unique where given (`period_creation_token_unique`): an
    # imported period has none to index.
    creation_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["contact", "start_date"]
        verbose_name = _("subscription period")
        verbose_name_plural = _("subscription periods")
        indexes = [models.Index(fields=["contact", "start_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(mrr__gte=0), name="period_mrr_not_negative"),
            models.UniqueConstraint(
                fields=["creation_token"], condition=Q(creation_token__isnull=False),
                name="period_creation_token_unique",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="period_ends_on_or_after_start",
            ),
            # The no-overlap rule is an exclusion constraint, `period_no_overlap` (migrations 0002 and 0010).
        ]

    def __str__(self) -> str:
        return f"{self.contact} {self.mrr} {self.currency} from {self.start_date}"

    @property
    def arr(self) -> Decimal:
        return self.mrr * 12

    @property
    def is_open_ended(self) -> bool:
        return self.end_date is None

    def covers(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    def remaining_value(self, on: datetime.date) -> Decimal | None:
        """What is left of the contract from `on` (that day included) to the end; none if open-ended.

        The registry's `remaining_value` field is the same formula as a query expression
        (`ROUND(mrr x days_left x 12 / 365, 2)`); tests pin the two against the same cases.
        """
        if self.end_date is None:
            return None
        days_left = (self.end_date - max(on, self.start_date)).days + 1
        return prorate(self.mrr, max(days_left, 0))

    def days_run(self, on: datetime.date) -> int:
        """Days of this period from its start up to and including `on`."""
        last = on if self.end_date is None else min(on, self.end_date)
        return max((last - self.start_date).days + 1, 0)

    def tag_against(self, previous: "Period | None") -> str:
        """New business, reactivation after a gap, or expansion/contraction/renewal by value.

        Amounts in two currencies are never compared: a period in another currency than the one
        before it is new business in its currency, as the pipeline counts it (`pipeline.movements`).
        """
        if previous is None:
            return Tag.NEW
        if previous.end_date is not None and self.start_date > next_day(previous.end_date):
            return Tag.REACTIVATION
        if self.currency != previous.currency:
            return Tag.NEW
        if self.mrr > previous.mrr:
            return Tag.EXPANSION
        if self.mrr < previous.mrr:
            return Tag.CONTRACTION
        return Tag.RENEWAL


class PeriodChange(models.Model):
    """The audit trail: every create, edit and delete of a period, old and new values."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        DELETED = "deleted", _("Deleted")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="period_changes")
    period_id_value = models.BigIntegerField(_("period"))  # kept after the period is deleted
    action = models.CharField(max_length=8, choices=Action.choices)
    old_values = models.JSONField(default=dict, blank=True)
    new_values = models.JSONField(default=dict, blank=True)
    # Without a database constraint: checked row by row at commit it was one of every imported
    # period's five checks. Every writer locks the user row instead (FOR KEY SHARE: the audit's
    # statement in `services._audit`, the import its importer's), so it cannot go while the audit
    # is written; deleting the user later sets it to null as `on_delete` says (Django applies it).
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                   db_constraint=False)
    changed_at = models.DateTimeField(auto_now_add=True)
    # The file a CSV import wrote it from ("" for a change made in a form): the history names it.
    imported_from = models.CharField(_("imported from"), max_length=255, blank=True, db_default="")

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def differences(self) -> list[tuple[str, object, object]]:
        """(field label, old, new) for each audited value this change touched, as stored (JSON)."""
        names = list(dict.fromkeys([*self.old_values, *self.new_values]))
        return [
            (Period._meta.get_field(name).verbose_name, self.old_values.get(name), self.new_values.get(name))
            for name in names
            if self.old_values.get(name) != self.new_values.get(name)
        ]

    def shown_differences(self) -> list[tuple[str, str | None, str | None]]:
        """`differences` as the page shows values: dates in the language's short format, money
        grouped with two places and its currency, choices by their label."""
        names = list(dict.fromkeys([*self.old_values, *self.new_values]))
        return [
            (Period._meta.get_field(name).verbose_name,
             audited_text(name, self.old_values), audited_text(name, self.new_values))
            for name in names
            if self.old_values.get(name) != self.new_values.get(name)
        ]


def audited_text(name: str, values: dict) -> str | None:
    """One audited value of a period (`values`: a snapshot, as `services.snapshot_sql` stores it) as
    the page shows it, in the active language (`floatformat:"2g"`, `date:"SHORT_DATE_FORMAT"`)."""
    value = values.get(name)
    if value is None or value == "":
        return None
    try:
        if name in ("mrr", "price"):
            text = floatformat(Decimal(value), "2g")
            return f"{text} {values['currency']}" if values.get("currency") else text
        if name in ("start_date", "end_date"):
            return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        if name == "billing_frequency":
            return str(BillingFrequency(value).label)
        if name in ("term_months", "billing_every_months"):
            return number_format(int(value), force_grouping=True)
    except (ArithmeticError, TypeError, ValueError):
        pass  # a value stored in an older shape: shown as stored
    return str(value)


class SubscriptionSummary(models.Model):
    """A contact's current and upcoming subscription figures as of `as_of`, stored to sort and filter on.

    The definition stays in `subscriptions.queries` (subqueries over the periods); this row is a
    copy of what they give on `as_of`, written by `subscriptions.summary.refresh` on every period
    write (in the same transaction) and by the daily task as the days roll over.
    """

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, primary_key=True, related_name="subscription_summary")
    # The contact's owner, copied so that a team's list reads its own rows by index
    # (`summary_owner_end`) rather than walking everyone's in sort order. Written with the row,
    # and kept equal to the contact's by this app's owner trigger on `crm_contact` (migration 0014).
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                              db_index=False, related_name="+")
    as_of = models.DateField()
    current_mrr = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    current_currency = models.CharField(max_length=3, null=True)
    current_start = models.DateField(null=True)
    current_end = models.DateField(null=True)
    upcoming_mrr = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    upcoming_currency = models.CharField(max_length=3, null=True)
    upcoming_start = models.DateField(null=True)
    upcoming_end = models.DateField(null=True)
    upcoming_direction = models.CharField(max_length=8, choices=Direction.choices, null=True)
    # A period ended before `as_of` (the pipeline's reactivation, not new business).
    had_earlier = models.BooleanField(default=False)
    # What is left of the current period's contract as of `as_of` (`Period.remaining_value`).
    remaining_value = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        indexes = [
            models.Index(fields=["as_of"]),
            # The sorts a list offers, with the contact as tie-break (keyset pagination), and the filters.
            # Money sorts and filters go by currency first, then amount (`ContactField.sort_terms`);
            # migration 0007 adds the descending current MRR sort's index (NULLS LAST).
            models.Index(fields=["current_currency", "current_mrr", "contact"], name="summary_current_money"),
            models.Index(fields=["upcoming_currency", "upcoming_mrr", "contact"], name="summary_upcoming_money"),
            # "Ends within N days" and the pipeline's ending soon: the smart list's count and totals
            # read every column they need from this index alone (an index-only scan), the start
            # dates their amounts are converted on included.
            models.Index(
                fields=["current_end", "contact"], name="summary_current_end",
                include=["upcoming_start", "current_currency", "current_mrr", "upcoming_currency", "upcoming_mrr",
                         "remaining_value", "current_start"],
            ),
            models.Index(fields=["upcoming_start", "contact"], name="summary_upcoming_start"),
            # The same for the contacts of a few owners (a rep's or a team's list).
            models.Index(
                fields=["owner", "current_end", "contact"], name="summary_owner_end",
                include=["upcoming_start", "current_currency", "current_mrr", "upcoming_currency", "upcoming_mrr",
                         "remaining_value", "current_start"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} as of {self.as_of}"


class SummaryRun(models.Model):
    """The last refresh of every contact's summary, for `as_of`: while it is today's, lists read the
    stored rows; otherwise (before the daily task ran, or never) they read the definitions."""

    as_of = models.DateField(unique=True)
    finished_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"summaries as of {self.as_of}"


class OwnerPipeline(models.Model):
    """An owner's pipeline figures, stored: the day they were computed for (`pipeline_store`)."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    as_of = models.DateField()
    # The `ReportingCurrency.rates_revision` its converted figures were computed at (none: before
    # there were any): another one means a rate or the currency changed since.
    rates_revision = models.PositiveBigIntegerField(null=True)


class OwnerPipelineGroup(models.Model):
    """One `pipeline.Group` of an owner's contacts, stored: those alike in every way the pipeline's
    arithmetic branches on, their MRR summed (`pipeline.groups`)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    current_currency = models.CharField(max_length=3, null=True)
    upcoming_currency = models.CharField(max_length=3, null=True)
    has_end = models.BooleanField()
    upcoming_direction = models.CharField(max_length=8, null=True)
    had_earlier = models.BooleanField()
    ending_days = models.PositiveSmallIntegerField(null=True)
    # The group's current and upcoming MRR summed, and how many contacts it has.
    current = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    upcoming = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    contacts = models.PositiveIntegerField()
    # The same sums converted into the reporting currency `converted_into`, each period at the rate
    # in force on its start (`conversion`), of the contacts that have one; and the earliest start
    # that has none (null: every contact had one). Wider than the amounts: a rate can be above 1.
    converted_into = models.CharField(max_length=3, null=True)
    current_converted = models.DecimalField(max_digits=30, decimal_places=2, null=True)
    current_unrated = models.DateField(null=True)
    upcoming_converted = models.DecimalField(max_digits=30, decimal_places=2, null=True)
    upcoming_unrated = models.DateField(null=True)


class OwnerPipelineEnding(models.Model):
    """A contact of the owner's among the first `pipeline.ENDING_SHOWN` to end (ties included): a
    team's soonest endings are among its owners' ones, read by key instead of walking every
    contact ending within the window. Names are read live: they only order a day's ties."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    contact_id = models.BigIntegerField()  # no constraint: a contact deleted marks its owner out of date


class OwnerPipelineStale(models.Model):
    """An owner whose stored pipeline may be out of date, from the moment a change commits.

    Written by period writes (`summary.refresh_contacts`) and, through triggers of this app on
    `crm_contact` (migration 0013), by every statement that changes a contact's owner or deletes a
    contact, whichever code runs it. Rows are only ever added, so writers never wait for each
    other; a reader that recomputes an owner removes the marks it has seen (by id)."""

    owner_id = models.BigIntegerField(db_index=True)


# Reporting currency and exchange rates ----------------------------------------------------------

CURRENCY_CODE = r"^[A-Z]{3}$"


class ReportingCurrency(models.Model):
    """The one currency totals are converted into (`subscriptions.conversion`): a single row, made by
    the first change; without it, the installation's `CRM_CURRENCY`.

    `version` is what the currency form read (two admins: the second is refused). `rates_revision`
    moves on with every change of the currency or of a rate, in the same transaction: figures
    converted and stored (the pipeline's, `pipeline_store`) say which revision they were converted
    at, and are recomputed when it is not the current one."""

    ONE = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ONE)
    code = models.CharField(_("reporting currency"), max_length=3)
    version = models.PositiveIntegerField(default=1)
    rates_revision = models.PositiveBigIntegerField(default=0)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="reporting_currency_one_row"),
            models.CheckConstraint(condition=Q(code__regex=CURRENCY_CODE), name="reporting_currency_code"),
        ]

    def __str__(self) -> str:
        return self.code


class ExchangeRate(models.Model):
    """What one unit of `currency` is worth in `reporting_currency` from `valid_from` on, until the
    next rate of the same currency (`conversion.rate_on`).

    Rates are kept per reporting currency: those entered against another one stay, unused, until it
    is the reporting currency again; none is ever converted through another base. A rate is a dated
    fact: a new rate is a new row from its own day, and the earlier ones keep converting the periods
    that start before it. Editing or deleting one corrects a mistake, and is audited
    (`ExchangeRateChange`)."""

    reporting_currency = models.CharField(_("reporting currency"), max_length=3)
    currency = models.CharField(_("currency"), max_length=3)
    # Up to 9,999,999.99999999: from the smallest unit of one currency to the dearest of another.
    rate = models.DecimalField(_("rate"), max_digits=15, decimal_places=8)
    valid_from = models.DateField(_("valid from"))
    version = models.PositiveIntegerField(default=1, editable=False)
    # The add form's one-time token (`crm.submissions`): the same submission twice adds one rate.
    creation_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            # Its index, (reporting currency, currency, valid from), is the one a conversion reads:
            # the latest rate on or before a day, one index probe.
            models.UniqueConstraint(fields=["reporting_currency", "currency", "valid_from"], name="exchange_rate_one_a_day"),
            models.UniqueConstraint(fields=["creation_token"], condition=Q(creation_token__isnull=False),
                                    name="exchange_rate_creation_token_unique"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(condition=~Q(currency=models.F("reporting_currency")), name="exchange_rate_other_currency"),
            models.CheckConstraint(condition=Q(currency__regex=CURRENCY_CODE) & Q(reporting_currency__regex=CURRENCY_CODE),
                                   name="exchange_rate_codes"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.plain_rate} {self.reporting_currency} from {self.valid_from}"

    @property
    def plain_rate(self) -> Decimal:
        """The rate as people write it: no trailing zeros (0.92, not 0.92000000), never an exponent."""
        return plain_rate(Decimal(self.rate))


def plain_rate(rate: Decimal) -> Decimal:
    rate = rate.normalize()
    return rate.quantize(Decimal(1)) if rate.as_tuple().exponent > 0 else rate


class ExchangeRateChange(models.Model):
    """The audit trail of the rates and the reporting currency: who, when, old and new values. A
    rate's rows stay after the rate is deleted."""

    class Action(models.TextChoices):
        CREATED = "created", _("Added")
        UPDATED = "updated", _("Corrected")
        DELETED = "deleted", _("Deleted")
        REPORTING = "reporting", _("Reporting currency changed")

    rate_id_value = models.BigIntegerField(null=True)  # kept after the rate is deleted; none for the currency
    action = models.CharField(max_length=9, choices=Action.choices)
    old_values = models.JSONField(default=dict, blank=True)
    new_values = models.JSONField(default=dict, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.rate_id_value} at {self.changed_at}"

    @property
    def before(self) -> dict:
        return _shown_rate_values(self.old_values)

    @property
    def after(self) -> dict:
        return _shown_rate_values(self.new_values)


def _shown_rate_values(values: dict) -> dict:
    """Audited values as a page shows them: the rate as a number, the day as a date (a value in a
    shape it cannot read stays as stored)."""
    shown = dict(values)
    try:
        if "rate" in shown:
            shown["rate"] = plain_rate(Decimal(shown["rate"]))
        if "valid_from" in shown:
            shown["valid_from"] = datetime.date.fromisoformat(shown["valid_from"])
    except (ArithmeticError, TypeError, ValueError):
        pass
    return shown


class OwnerMovements(models.Model):
    """An owner whose MRR movements are stored (`movements_store`): their rows below are complete,
    unless a mark (`OwnerMovementStale`) says a change touched their contacts since. Movements by
    month do not depend on the day they are read, so, unlike the pipeline, no day is kept."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    # The `ReportingCurrency.rates_revision` its converted sums were computed at (none: before
    # conversion was stored); at another one than the current, they are computed again.
    rates_revision = models.PositiveBigIntegerField(null=True)


def _converted_sum():
    # Not bounded by the MRR's columns: a rate may be well above 1. `db_default`: rows written by
    # code that does not know these columns yet still insert.
    return models.DecimalField(max_digits=30, decimal_places=2, db_default=0)


class OwnerMovementMonth(models.Model):
    """An owner's MRR movements in one month and currency, summed over their contacts' periods
    (`movements.period_movements`): what the movements report adds up. Months without a movement
    have no row; a month's opening MRR is every earlier row's movements added up."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()  # its first day
    currency = models.CharField(max_length=3)
    new = models.DecimalField(max_digits=18, decimal_places=2)
    expansion = models.DecimalField(max_digits=18, decimal_places=2)
    reactivation = models.DecimalField(max_digits=18, decimal_places=2)
    contraction = models.DecimalField(max_digits=18, decimal_places=2)
    churn = models.DecimalField(max_digits=18, decimal_places=2)
    # The same movements converted into `converted_into`, the reporting currency (`movements_converted`):
    # of the movements whose rates are all known, and the exchange-rate movement of periods
    # converted at another rate than the one before them.
    converted_into = models.CharField(max_length=3, null=True)
    new_converted = _converted_sum()
    expansion_converted = _converted_sum()
    reactivation_converted = _converted_sum()
    contraction_converted = _converted_sum()
    churn_converted = _converted_sum()
    exchange_rate_converted = _converted_sum()
    # Periods without a rate: how many start and how many stop running this month, the earliest
    # start among them, and the known part of the movements they take part in (what keeps the
    # openings of the months after them right).
    unrated_starts = models.IntegerField(db_default=0)
    unrated_ends = models.IntegerField(db_default=0)
    unrated_from = models.DateField(null=True)
    unrated_rest = _converted_sum()

    class Meta:
        constraints = [
            # and the index a team's report reads its rows by: its owners', months in order
            models.UniqueConstraint(fields=["owner", "month", "currency"], name="owner_movement_month_unique"),
        ]


class OwnerMovementStale(models.Model):
    """An owner whose stored movements may be out of date: marked where `OwnerPipelineStale` is
    (period writes, and this app's triggers on `crm_contact`), and removed by the reader that
    recomputes them (`movements_store`), by id, as the pipeline's marks are."""

    owner_id = models.BigIntegerField(db_index=True)
