"""A smart list's count and totals are one statement over what its filters and sums read: when it
filters only on stored subscription figures, over the stored rows alone (a team's through the owner
each row carries); otherwise over the contacts. Both give the same figures."""

from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from smartlists.queries import count_and_totals, listing
from subscriptions.summary import rebuild
from crm.models import Contact, User
from tests.factories import ContactFactory, UserFactory
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
def test_the_stored_rows_alone_are_counted_and_give_what_the_contacts_give(admin_user, manager, book, query):
    by_admin, admin_sql = counted(admin_user, query)
    by_manager, manager_sql = counted(manager, query)
    for statement in (admin_sql, manager_sql):
        assert '"crm_contact"' not in statement and '"crm_user"' not in statement  # the owner's name is only shown
    assert by_admin == by_manager
    assert by_admin.exact and by_admin.rows > 0
    by_contacts, contacts_sql = counted(manager, query + "&q=Customer")  # a contact filter: over the contacts
    assert '"crm_contact"' in contacts_sql and by_contacts == by_manager


def test_a_team_counts_only_its_owners_rows_and_follows_a_contact_to_its_new_owner(manager, rep, book):
    elsewhere = UserFactory(username="elsewhere", role=User.Role.REP)
    before, _ = counted(manager, "ends_within_days=90")
    # Three that end within 90 days with nothing after (i = 1, 2, 4), given to a rep of no team:
    # the owner trigger moves their stored rows with them.
    Contact.objects.filter(name__in=["Customer 01", "Customer 02", "Customer 04"]).update(owner=elsewhere)
    after, _ = counted(manager, "ends_within_days=90")
    theirs, _ = counted(elsewhere, "ends_within_days=90")
    assert (before.rows - after.rows, theirs.rows) == (3, 3)
    assert theirs.totals["current_mrr"] == [{"currency": "EUR", "sum": Decimal("11.50") + Decimal("12.50")},
                                            {"currency": "USD", "sum": Decimal("14.50")}]
    page = listing(user=manager, columns=COLUMNS, params=QueryDict("ends_within_days=90"), sort="name", today=TODAY).queryset
    assert "Customer 01" not in [row["name"] for row in page.values("name")] and page.count() == after.rows


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


def test_a_list_with_no_filter_counts_every_contact_with_or_without_a_subscription(admin_user, rep, book):
    found, statement = counted(admin_user, "")
    assert '"crm_contact"' in statement and found.rows == 13  # "No subscription" too
    found, _ = counted(rep, "")
    assert found.rows == 13
