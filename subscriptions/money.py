"""MRR arithmetic: one normalising function, Decimal throughout, two places."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CENTS = Decimal("0.01")

# Months covered by one payment at each billing frequency.
MONTHS_PER_PAYMENT = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
EVERY_N_MONTHS = "every_n_months"


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENTS, rounding=ROUND_HALF_UP)


def normalise_mrr(price: Decimal, frequency: str, every_months: int | None = None) -> Decimal:
    """The monthly value of `price` paid once per `frequency`.

    Monthly x1, quarterly /3, semi-annual /6, annual /12, every N months /N. Any other frequency
    is refused rather than guessed.
    """
    if not isinstance(price, Decimal):
        raise TypeError("price must be a Decimal")
    if price < 0:
        raise ValidationError(_("The price cannot be negative."), code="negative_price")
    if frequency == EVERY_N_MONTHS:
        if not every_months or every_months < 1:
            raise ValidationError(_("Give the number of months between payments."), code="months_required")
        months = every_months
    elif frequency in MONTHS_PER_PAYMENT:
        months = MONTHS_PER_PAYMENT[frequency]
    else:
        raise ValidationError(
            _("Unknown billing frequency: %(frequency)s."), params={"frequency": frequency}, code="unknown_frequency"
        )
    return quantize(price / months)


DAYS_PER_YEAR = Decimal(365)


def prorate(mrr: Decimal, days: int) -> Decimal:
    """A monthly amount for `days` days: mrr x 12 / 365 a day, rounded once, to cents."""
    return quantize(mrr * days * 12 / DAYS_PER_YEAR)


def accrued(periods, on) -> dict[str, Decimal]:
    """MRR earned by `on` (that day included) since the first period began, per currency."""
    days_by_currency: dict[str, Decimal] = {}
    for period in periods:
        days = period.days_run(on)
        if days:
            days_by_currency[period.currency] = days_by_currency.get(period.currency, Decimal(0)) + period.mrr * days
    return {currency: quantize(total * 12 / DAYS_PER_YEAR) for currency, total in days_by_currency.items()}
