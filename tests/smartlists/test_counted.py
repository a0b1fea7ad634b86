"""A smart list's count and totals are one statement over what its filters and sums read: for someone
who sees every contact and filters only on stored subscription figures, over the stored rows alone;
otherwise over the contacts. Both give the same figures."""

from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from smartlists.queries import count_and_totals, listing
from subscriptions.summary import rebuild
from tests.factories import ContactFactory
from tests.smartlists.conftest import TODAY, days, period

pytestmark = pytest.mark.django_db

COLUMNS = ["name", "owner_name", "current_mrr", "upcoming_mrr", "remaining_value"]


@pytest.fixture
def book(rep, subscriptions_on):
    """Every contact is the rep's, so the admin and the rep's manager see the same rows."""
    for i in range(12):
        contact = ContactFactory(owner=rep, name=f"Customer {i:02d}")
        period(contact, f"{10 + i}.50", days(-30), days(5 * i), currency="USD" if i % 4 == 0 else "EUR")
        if i % 3 == 0:
            period(contact, f"{20 + i}", days(5 * i + 1), currency="EUR")
    ContactFactory(owner=rep, name="No subscription")
    rebuild(today=TODAY)


def counted(user, query, cap=10_000):
    result = listing(user=user, columns=COLUMNS, params=QueryDict(query), sort="name", today=TODAY)
    with CaptureQueriesContext(connection) as queries:
        found = count_and_totals(result, cap=cap)
    (statement,) = [q["sql"] for q in queries.captured_queries]
    return found, statement


@pytest.mark.parametrize("query", [
    "ends_within_days=30",
    "current_mrr_min=12&current_mrr_max=19",
    "upcoming_mrr_currency=EUR",
    "direction=ending",
])
def test_the_admin_counts_over_the_stored_rows_alone_and_finds_what_the_contacts_give(admin_user, manager, book, query):
    by_admin, admin_sql = counted(admin_user, query)
    by_manager, manager_sql = counted(manager, query)
    assert '"crm_contact"' not in admin_sql and '"crm_user"' not in admin_sql
    assert '"crm_contact"' in manager_sql and '"crm_user"' not in manager_sql  # the owner's name is only shown
    assert by_admin == by_manager
    assert by_admin.exact and by_admin.rows > 0


def test_totals_are_per_currency_and_exact_to_the_cent(admin_user, book):
    found, _ = counted(admin_user, "ends_within_days=20")
    # ending within 20 days with nothing after: i = 1, 2, 4 (i = 0 and 3 are renewed the next day)
    assert found.rows == 3
    assert found.totals["current_mrr"] == [{"currency": "EUR", "sum": Decimal("11.50") + Decimal("12.50")},
                                           {"currency": "USD", "sum": Decimal("14.50")}]


def test_a_contact_filter_counts_over_the_contacts(admin_user, book):
    found, statement = counted(admin_user, "q=Customer 0&ends_within_days=90")
    assert '"crm_contact"' in statement and found.rows == 6  # 00 to 09, less the four renewed the next day


def test_past_the_cap_the_count_stops_and_no_totals_are_given(admin_user, book):
    found, _ = counted(admin_user, "current_mrr_currency=EUR", cap=3)
    assert (found.rows, found.exact, found.totals) == (4, False, {})
