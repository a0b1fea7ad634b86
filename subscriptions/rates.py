"""Writes to the exchange rates and the reporting currency: each atomic, versioned and audited.

Every write first locks the reporting currency's row (made on the first write): writes to rates
and to the currency are serialised, a rate is always entered against the reporting currency of
the moment it is saved, and `rates_revision` moves on in the same transaction, so the figures
converted and stored before it are recomputed (`pipeline_store`). Each write leaves an
`ExchangeRateChange` row (who, when, old and new values) that outlives the rate.

Two admins: an edit or a delete based on an older `version` is refused ("stale"); an add form
shown while the reporting currency was another is refused too, rather than saving a rate against
a currency its author did not see.
"""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from crm.jobs.queue import enqueue_after_commit
from crm.submissions import create_once
from subscriptions.models import ExchangeRate, ExchangeRateChange, ReportingCurrency
from subscriptions.tasks import refresh_stored_reports

AUDITED = ("reporting_currency", "currency", "rate", "valid_from")


def _values(rate: ExchangeRate | None) -> dict:
    """A rate's audited values as its audit row stores them (JSON: the rate as the column keeps it,
    the day ISO)."""
    if rate is None:
        return {}
    return {"reporting_currency": rate.reporting_currency, "currency": rate.currency,
            "rate": str(Decimal(rate.rate).quantize(Decimal("0.00000001"))), "valid_from": rate.valid_from.isoformat()}


def _audit(action: str, *, rate_id: int | None, old: dict, new: dict, by) -> None:
    ExchangeRateChange.objects.create(rate_id_value=rate_id, action=action, old_values=old, new_values=new, changed_by=by)


def _lock_reporting() -> ReportingCurrency:
    """The reporting currency's row, locked for this transaction (made at its default first)."""
    row, _ = ReportingCurrency.objects.select_for_update().get_or_create(
        pk=ReportingCurrency.ONE, defaults={"code": settings.CRM_CURRENCY}
    )
    return row


def _revised(row: ReportingCurrency) -> None:
    """Rates or the currency changed: what was converted before is out of date. Every owner's
    stored movements and pipeline are then brought up to date in the background, not by the next
    report."""
    ReportingCurrency.objects.filter(pk=row.pk).update(rates_revision=F("rates_revision") + 1)
    enqueue_after_commit(refresh_stored_reports)


def _stale(what: str, **params) -> ValidationError:
    messages = {
        "rate": _("Someone else changed this rate while you were editing it. It is shown below as saved now; "
                  "nothing of yours was saved."),
        "currency": _("Someone else changed the reporting currency while you were choosing. It is shown below as "
                      "saved now; nothing of yours was saved."),
        "reporting": _("The reporting currency changed to %(currency)s since this form was shown: the rate was not "
                       "saved. Enter it again against %(currency)s if it still applies."),
    }
    return ValidationError(messages[what], params=params or None, code="stale")


def _same_day_error(currency: str, day: datetime.date) -> ValidationError:
    return ValidationError(
        _("There is already a %(currency)s rate from %(date)s. Correct that one, or choose another day."),
        params={"currency": currency, "date": date_format(day, "SHORT_DATE_FORMAT")}, code="same_day",
    )


def _save(rate: ExchangeRate) -> None:
    """Save in a savepoint: a rate of the same currency and day, saved by someone else a moment
    ago, is the same form error as one that was there before."""
    try:
        with transaction.atomic():
            rate.save()
    except IntegrityError as error:
        raise _same_day_error(rate.currency, rate.valid_from) from error


def _check(rate: ExchangeRate) -> None:
    if rate.currency == rate.reporting_currency:
        raise ValidationError(_("%(currency)s is the reporting currency: its rate is always 1."),
                              params={"currency": rate.currency}, code="reporting_currency")
    others = ExchangeRate.objects.filter(reporting_currency=rate.reporting_currency, currency=rate.currency,
                                         valid_from=rate.valid_from).exclude(pk=rate.pk)
    if others.exists():
        raise _same_day_error(rate.currency, rate.valid_from)


@transaction.atomic
def rate_create(*, currency: str, rate: Decimal, valid_from: datetime.date, against: str, by,
                token: uuid.UUID | None = None) -> ExchangeRate:
    """Add a rate of `currency` against the reporting currency, which the form showed as `against`."""
    reporting = _lock_reporting()
    if reporting.code != against:
        raise _stale("reporting", currency=reporting.code)

    def create() -> ExchangeRate:
        made = ExchangeRate(reporting_currency=reporting.code, currency=currency, rate=rate, valid_from=valid_from,
                            creation_token=token)
        _check(made)
        _save(made)
        _audit(ExchangeRateChange.Action.CREATED, rate_id=made.pk, old={}, new=_values(made), by=by)
        _revised(reporting)
        return made

    made, _ = create_once(ExchangeRate.objects.all(), token=token, create=create)
    return made


@transaction.atomic
def rate_update(*, rate: ExchangeRate, currency: str, value: Decimal, valid_from: datetime.date, version: int,
                by) -> ExchangeRate:
    """Correct a rate if nobody saved it since `version` was read."""
    reporting = _lock_reporting()
    row = ExchangeRate.objects.select_for_update().filter(pk=rate.pk).first()
    if row is None or row.version != version:
        raise _stale("rate")
    old = _values(row)
    row.currency, row.rate, row.valid_from = currency, value, valid_from
    _check(row)
    if _values(row) == old:
        return row  # nothing changed: no new version, no audit row
    row.version += 1
    _save(row)
    _audit(ExchangeRateChange.Action.UPDATED, rate_id=row.pk, old=old, new=_values(row), by=by)
    _revised(reporting)
    return row


@transaction.atomic
def rate_delete(*, rate: ExchangeRate, version: int, by) -> None:
    """Delete a rate if nobody saved it since `version` was read; its audit rows stay."""
    reporting = _lock_reporting()
    row = ExchangeRate.objects.select_for_update().filter(pk=rate.pk).first()
    if row is None or row.version != version:
        raise _stale("rate")
    old = _values(row)
    row.delete()
    _audit(ExchangeRateChange.Action.DELETED, rate_id=rate.pk, old=old, new={}, by=by)
    _revised(reporting)


@transaction.atomic
def reporting_currency_set(*, code: str, version: int, by) -> ReportingCurrency:
    """Make `code` the reporting currency if nobody changed it since `version` was read.

    Nothing is converted: the rates entered against the old currency stay as they are, unused,
    and are used again if it becomes the reporting currency again. Totals are converted with the
    rates entered against the new one (a currency without any says so)."""
    row = _lock_reporting()
    if row.version != version:
        raise _stale("currency")
    if row.code == code:
        return row
    old = row.code
    row.code, row.version, row.changed_by, row.changed_at = code, row.version + 1, by, timezone.now()
    row.save(update_fields=["code", "version", "changed_by", "changed_at"])
    _audit(ExchangeRateChange.Action.REPORTING, rate_id=None, old={"reporting_currency": old},
           new={"reporting_currency": code}, by=by)
    _revised(row)
    row.refresh_from_db()
    return row
