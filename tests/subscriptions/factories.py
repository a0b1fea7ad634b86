import datetime
from decimal import Decimal

import factory

from subscriptions.models import Period
from tests.factories import ContactFactory


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period

    contact = factory.SubFactory(ContactFactory)
    currency = "EUR"
    mrr = Decimal("100.00")
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2026, 12, 31)
    term_months = 12


def monthly_periods(contact, count, *, first=datetime.date(2017, 1, 1), mrr=Decimal("100.00")):
    """`count` back-to-back one-month periods from `first`, MRR rising by 1 each month."""
    from subscriptions.dates import add_months

    periods = []
    for i in range(count):
        start = add_months(first, i)
        periods.append(Period(contact=contact, mrr=mrr + i, start_date=start, end_date=add_months(start, 1) - datetime.timedelta(days=1), term_months=1))
    return Period.objects.bulk_create(periods)
