"""Demo subscriptions: years of history per organisation, upcoming changes up and down, some
ending soon. Deterministic per contact name and written through the service functions, so the
audit trail and the stored summaries of those organisations are filled too. Only the demo's own
organisations get periods, once (`crm.demo.demo_seed`).
"""

import datetime
import random
import zlib
from decimal import Decimal

from django.conf import settings

from crm import features
from crm.billing import BillingFrequency
from crm.dates import today
from subscriptions.dates import add_months, end_after_months
from subscriptions.money import MONTHS_PER_PAYMENT
from subscriptions.services import period_create

ONE_DAY = datetime.timedelta(days=1)
PLANS = [49, 99, 149, 250, 400, 600, 900, 1500, 2400]
RENEWAL_FACTORS = ["1", "1", "1", "1.1", "1.2", "1.5", "0.8", "0.9"]
DESCRIPTIONS = ["Starter plan", "Growth plan", "Business plan", "Enterprise plan", "Seats top-up", ""]


# What one US dollar was worth in euros from each January 1st of the demo's years, the latest last.
USD_IN_EUR = ["0.89", "0.85", "0.92", "0.95", "0.93", "0.91", "0.92"]


def seed_periods(cast) -> None:
    """Switch the feature on, give the demo's organisations their histories and, when totals are
    reported in euros, a dollar rate for each year of them."""
    features.feature_set_active(name="subscriptions", active=True, by=cast.users["admin"])
    for contact in cast.organisations:
        for data in demo_history(contact.name, today=today()):
            period_create(contact=contact, data=data, by=contact.owner)
    seed_rates(by=cast.users["admin"])


def seed_rates(*, by) -> None:
    """The demo's dollar rates, through the service (audited), where no rate of that day is."""
    from subscriptions.conversion import reporting_currency
    from subscriptions.models import ExchangeRate
    from subscriptions.rates import rate_create

    if reporting_currency() != "EUR":
        return  # the rates above are euros; another reporting currency gets none rather than wrong ones
    first_year = today().year - len(USD_IN_EUR) + 1
    for offset, value in enumerate(USD_IN_EUR):
        day = datetime.date(first_year + offset, 1, 1)
        if not ExchangeRate.objects.filter(reporting_currency="EUR", currency="USD", valid_from=day).exists():
            rate_create(currency="USD", rate=Decimal(value), valid_from=day, against="EUR", by=by)


def _money(amount) -> Decimal:
    return Decimal(amount).quantize(Decimal("1"))


def _period(rng, start, end, term, mrr, currency) -> dict:
    data = {
        "currency": currency, "mrr": mrr, "start_date": start, "end_date": end, "term_months": term,
        "description": rng.choice(DESCRIPTIONS), "price": None, "billing_frequency": "", "billing_every_months": None,
    }
    if rng.random() < 0.3:
        frequency = rng.choice([BillingFrequency.ANNUAL, BillingFrequency.QUARTERLY])
        data.update(price=mrr * MONTHS_PER_PAYMENT[frequency], billing_frequency=frequency)
    return data


def demo_history(name: str, *, today: datetime.date) -> list[dict]:
    """The periods of one demo customer, oldest first, never overlapping."""
    rng = random.Random(zlib.crc32(name.encode()))
    if rng.random() < 0.12:
        return []
    currency = "USD" if rng.random() < 0.08 else settings.CRM_CURRENCY
    start = add_months(today.replace(day=1), -rng.randint(14, 66))
    mrr = _money(rng.choice(PLANS))
    periods = []
    while start <= today:
        term = rng.choice([12, 12, 12, 24, 6])
        end = end_after_months(start, term)
        periods.append(_period(rng, start, end, term, mrr, currency))
        start = end + ONE_DAY
        roll = rng.random()
        if end < today and roll < 0.06:
            return periods  # a customer who left
        if end < today and roll < 0.16:
            start = add_months(start, rng.randint(2, 5))  # a gap, then reactivation
        mrr = _money(mrr * Decimal(rng.choice(RENEWAL_FACTORS)))
    current = periods[-1]
    fate = rng.random()
    if fate < 0.4 and current["end_date"] >= today:
        # A renewal already agreed, up or down.
        factor = Decimal(rng.choice(["1.15", "1.3", "1.5", "0.85", "0.7"]))
        periods.append(_period(rng, start, end_after_months(start, 12), 12, _money(current["mrr"] * factor), currency))
    elif fate < 0.6 and current["end_date"] >= today:
        # Ending soon and nothing follows yet.
        current["end_date"] = today + datetime.timedelta(days=rng.randint(3, 85))
        current["term_months"] = None
    elif fate < 0.72:
        current["end_date"] = current["term_months"] = None  # open-ended
    return periods
