"""Adding, changing, editing and deleting periods through the widget's URLs, with and without htmx."""

import datetime
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from django.db import IntegrityError, transaction
from django.urls import reverse

from subscriptions import services
from subscriptions.models import Period, PeriodChange
from tests.factories import ContactFactory
from tests.subscriptions.factories import PeriodFactory

TODAY = datetime.date(2026, 11, 22)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


def form(**values):
    data = {"currency": "EUR", "mrr": "100.00", "start_date": "2026-01-01", "end": "after", "term_months": "12",
            "end_date": "", "description": "", "price": "", "billing_frequency": "", "billing_every_months": ""}
    data.update(values)
    return data


def create_url(contact):
    return reverse("subscriptions:period_create", args=[contact.pk])


def test_contact_page_shows_the_widget_with_its_actions(client_as, rep, contact):
    page = client_as(rep).get(contact.get_absolute_url()).text
    assert 'id="subscriptions-panel"' in page
    assert "No subscription yet." in page
    assert create_url(contact) in page
    assert reverse("subscriptions:period_change", args=[contact.pk]) not in page  # nothing to change yet


def test_add_with_htmx_answers_the_empty_slot_and_fires_periods_changed(client_as, rep, contact):
    client = client_as(rep)
    fragment = client.get(create_url(contact), headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'data-hx-post="' in fragment.text
    response = client.post(create_url(contact), form(), headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "periodsChanged"
    assert 'id="period-form-slot"' in response.text and "Subscription added." in response.text
    period = Period.objects.get(contact=contact)
    # "After 12 months": start + 12 months - 1 day, and the term is kept.
    assert (period.mrr, period.start_date, period.end_date, period.term_months) == (
        Decimal("100.00"), datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), 12)
    # The regions listening for the event show the new figures.
    summary = client.get(reverse("subscriptions:contact", args=[contact.pk]) + "?part=summary", headers=HTMX)
    assert 'id="subscription-summary"' in summary.text and "100.00 EUR" in summary.text and "<svg" in summary.text
    periods = client.get(reverse("subscriptions:contact", args=[contact.pk]) + "?part=periods", headers=HTMX)
    assert 'id="subscription-periods"' in periods.text and "New business" in periods.text


def test_add_without_javascript_redirects_to_the_contact_page(client_as, rep, contact):
    client = client_as(rep)
    page = client.get(create_url(contact))
    assert "<html" in page.text and 'method="post"' in page.text
    response = client.post(create_url(contact), form(end="never"))
    assert response.status_code == 302 and response.url == contact.get_absolute_url()
    assert Period.objects.get(contact=contact).end_date is None
    assert "Subscription added." in client.get(response.url).text


def test_mrr_is_computed_from_price_and_billing_frequency(client_as, rep, contact):
    client_as(rep).post(create_url(contact), form(mrr="", price="1200.00", billing_frequency="annual"), headers=HTMX)
    period = Period.objects.get(contact=contact)
    assert (period.mrr, period.price, period.billing_frequency) == (Decimal("100.00"), Decimal("1200.00"), "annual")
    client_as(rep).post(create_url(contact), form(mrr="", price="900", billing_frequency="every_n_months",
                                                  billing_every_months="9", start_date="2027-01-01"), headers=HTMX)
    assert Period.objects.get(contact=contact, start_date=datetime.date(2027, 1, 1)).mrr == Decimal("100.00")


def test_a_typed_mrr_that_disagrees_with_the_price_is_refused_with_the_computed_value(client_as, rep, contact):
    response = client_as(rep).post(create_url(contact), form(mrr="90", price="300", billing_frequency="quarterly"), headers=HTMX)
    assert response.status_code == 422
    assert "make an MRR of 100.00" in response.text and not Period.objects.exists()
    # The same MRR typed by hand is fine.
    assert client_as(rep).post(create_url(contact), form(mrr="100", price="300", billing_frequency="quarterly"),
                               headers=HTMX).status_code == 200


def test_editing_a_priced_period_recomputes_its_mrr(client_as, rep, contact):
    period = PeriodFactory(contact=contact, mrr=Decimal("100.00"), price=Decimal("1200.00"), billing_frequency="annual")
    url = reverse("subscriptions:period_edit", args=[period.pk])
    fragment = client_as(rep).get(url, headers=HTMX).text
    mrr_input = re.search(r'<input[^>]*name="mrr"[^>]*>', fragment).group()
    assert "value=" not in mrr_input  # computed again from the price on save
    assert 'value="1200.00"' in re.search(r'<input[^>]*name="price"[^>]*>', fragment).group()
    response = client_as(rep).post(url, form(mrr="", price="2400", billing_frequency="annual", version="1"), headers=HTMX)
    assert response.status_code == 200
    period.refresh_from_db()
    assert period.mrr == Decimal("200.00")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"mrr": ""}, "mrr", "Give the MRR, or a price and how often it is billed."),
        ({"mrr": "-5"}, "mrr", "greater than or equal to 0"),
        ({"mrr": "abc"}, "mrr", "Enter a number."),
        ({"mrr": "", "price": "100", "billing_frequency": "weekly"}, "billing_frequency", "Select a valid choice"),
        ({"mrr": "", "price": "100"}, "billing_frequency", "Choose how often the price is billed."),
        ({"mrr": "", "price": "100", "billing_frequency": "every_n_months"}, "billing_every_months", "Give the number of months between payments."),
        ({"start_date": "2026-02-30"}, "start_date", "Enter a valid date."),
        ({"end": "after", "term_months": ""}, "term_months", "Give the number of months."),
        ({"end": "on", "end_date": ""}, "end_date", "Give the end date."),
        ({"end": "on", "end_date": "2025-12-31"}, "end_date", "The end date cannot be before the effective date."),
        ({"end": "sometime"}, "end", "Select a valid choice"),
        ({"currency": "E1"}, "currency", "three-letter currency code"),
    ],
)
def test_bad_input_is_a_422_with_the_error_inline_and_writes_nothing(client_as, rep, contact, values, field, message):
    response = client_as(rep).post(create_url(contact), form(**values), headers=HTMX)
    assert response.status_code == 422
    assert "HX-Trigger" not in response.headers
    assert message in response.text
    assert f'id="id_{field}_errors"' in response.text or 'role="alert"' in response.text
    assert not Period.objects.exists() and not PeriodChange.objects.exists()


def test_an_overlapping_period_is_a_form_error(client_as, rep, contact):
    PeriodFactory(contact=contact, start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31))
    for values in [form(start_date="2026-12-31"), form(start_date="2025-06-01", end="never"),
                   form(start_date="2025-01-01", end="on", end_date="2026-01-01")]:
        response = client_as(rep).post(create_url(contact), values, headers=HTMX)
        assert response.status_code == 422
        assert "overlaps another period" in response.text
    assert Period.objects.count() == 1 and not PeriodChange.objects.exists()
    # Touching is not overlapping.
    assert client_as(rep).post(create_url(contact), form(start_date="2027-01-01"), headers=HTMX).status_code == 200


def test_overlap_is_refused_by_the_database_itself(contact):
    first = PeriodFactory(contact=contact, start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31))
    overlapping = {"contact": contact, "mrr": Decimal("5"), "start_date": datetime.date(2026, 6, 1), "end_date": None}
    # Written straight through the ORM, past every Python check: the exclusion constraint refuses it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Period.objects.create(**overlapping)
    # And an edit that would overlap is refused too.
    second = PeriodFactory(contact=contact, start_date=datetime.date(2027, 1, 1), end_date=None)
    second.start_date = datetime.date(2026, 12, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    assert list(Period.objects.filter(contact=contact).values_list("pk", flat=True))[:1] == [first.pk]
    assert not Period.objects.filter(start_date=datetime.date(2026, 6, 1)).exists()


def _database_accepts(contact, start, end) -> bool:
    """Whether the database takes a period of `contact`, written past every Python check."""
    try:
        with transaction.atomic():
            Period.objects.create(contact=contact, mrr=Decimal("5"), start_date=start, end_date=end)
    except IntegrityError:
        return False
    return True


D = datetime.date


@pytest.mark.parametrize("start, end, accepted", [
    (D(2025, 1, 1), D(2025, 12, 31), True),  # ends the day before
    (D(2025, 1, 1), D(2026, 1, 1), False),  # ends on its first day
    (D(2026, 12, 31), None, False),  # starts on its last day, open-ended
    (D(2027, 1, 1), None, True),  # starts the day after, open-ended
    (D(2026, 5, 5), D(2026, 5, 5), False),  # one day inside
    (D(1900, 1, 1), None, False),  # open-ended from the earliest day
    (D(1900, 1, 1), D(2025, 12, 31), True),
    (D(2200, 12, 31), D(2200, 12, 31), True),  # the last day the forms accept
])
def test_the_database_refuses_exactly_the_periods_that_share_a_day(contact, start, end, accepted):
    PeriodFactory(contact=contact, start_date=D(2026, 1, 1), end_date=D(2026, 12, 31))
    assert _database_accepts(contact, start, end) is accepted
    # Another contact, and the next contact id, may have any dates.
    assert _database_accepts(ContactFactory(), D(2026, 1, 1), None)


def test_an_open_ended_period_blocks_every_later_one_in_the_database(contact):
    PeriodFactory(contact=contact, start_date=D(2026, 1, 1), end_date=None)
    assert not _database_accepts(contact, D(2200, 12, 31), None)
    assert not _database_accepts(contact, D(2025, 1, 1), D(2026, 1, 1))
    assert _database_accepts(contact, D(2025, 1, 1), D(2025, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():  # backwards: refused, never read as its reverse
        Period.objects.create(contact=contact, mrr=Decimal("5"), start_date=D(2024, 2, 1), end_date=D(2024, 1, 1))


periods = st.tuples(st.dates(D(1900, 1, 1), D(2200, 12, 31)), st.one_of(st.none(), st.integers(0, 3000)))


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=periods, second=periods)
def test_the_database_agrees_with_inclusive_date_ranges(contact, first, second):
    """Two periods of a contact are refused together exactly when their days, ends included, meet."""
    (start_a, days_a), (start_b, days_b) = first, second
    end_a = None if days_a is None else min(start_a + datetime.timedelta(days=days_a), D(2200, 12, 31))
    end_b = None if days_b is None else min(start_b + datetime.timedelta(days=days_b), D(2200, 12, 31))
    meet = start_a <= (end_b or D.max) and start_b <= (end_a or D.max)
    with transaction.atomic():
        assert _database_accepts(contact, start_a, end_a)
        assert _database_accepts(contact, start_b, end_b) is not meet
        transaction.set_rollback(True)


def test_change_adds_the_next_period_where_the_current_one_ends(client_as, rep, contact):
    current = PeriodFactory(contact=contact, start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31))
    client = client_as(rep)
    url = reverse("subscriptions:period_change", args=[contact.pk])
    fragment = client.get(url, headers=HTMX).text
    assert 'value="2027-01-01"' in fragment  # proposed start: the day after the current end
    assert f'name="last_period" value="{current.pk}"' in fragment  # the change follows the period it was read after
    response = client.post(url, form(mrr="150", start_date="2027-01-01", last_period=current.pk, version="1"), headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "periodsChanged"
    current.refresh_from_db()
    assert current.end_date == datetime.date(2026, 12, 31) and current.version == 1  # history untouched
    upcoming = Period.objects.get(contact=contact, start_date=datetime.date(2027, 1, 1))
    assert upcoming.mrr == Decimal("150") and upcoming.end_date == datetime.date(2027, 12, 31)
    summary = client.get(reverse("subscriptions:contact", args=[contact.pk]) + "?part=summary", headers=HTMX).text
    assert "Expansion" in summary and "150.00 EUR" in summary


def test_change_of_an_open_ended_period_ends_it_the_day_before(client_as, rep, contact):
    current = PeriodFactory(contact=contact, start_date=datetime.date(2026, 1, 1), end_date=None, term_months=None)
    url = reverse("subscriptions:period_change", args=[contact.pk])
    response = client_as(rep).post(
        url, form(mrr="80", start_date="2026-12-01", end="never", last_period=current.pk, version="1"), headers=HTMX
    )
    assert response.status_code == 200
    current.refresh_from_db()
    assert current.end_date == datetime.date(2026, 11, 30) and current.mrr == Decimal("100.00")
    changes = list(PeriodChange.objects.order_by("pk").values_list("action", "period_id_value"))
    assert changes == [("updated", current.pk), ("created", Period.objects.latest("start_date").pk)]


def test_a_refused_change_leaves_the_previous_period_as_it_was(client_as, rep, contact):
    earlier = PeriodFactory(contact=contact, start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2025, 12, 31))
    last = PeriodFactory(contact=contact, start_date=datetime.date(2026, 1, 1), end_date=None, term_months=None)
    url = reverse("subscriptions:period_change", args=[contact.pk])
    # Starting inside 2025 would end that period on 31 May, but the new open-ended one overlaps 2026's.
    response = client_as(rep).post(
        url, form(start_date="2025-06-01", end="never", last_period=last.pk, version="1"), headers=HTMX
    )
    assert response.status_code == 422 and "overlaps another period" in response.text
    earlier.refresh_from_db()
    assert earlier.end_date == datetime.date(2025, 12, 31) and earlier.version == 1
    assert not PeriodChange.objects.exists() and Period.objects.count() == 2


def test_saving_the_same_values_typed_another_way_changes_nothing(client_as, rep, contact):
    """"100" is the stored 100.00: as an import of the same file changes nothing, the form saves
    no new version and no audit row."""
    period = PeriodFactory(contact=contact)
    response = client_as(rep).post(reverse("subscriptions:period_edit", args=[period.pk]), form(mrr="100", version="1"),
                                   headers=HTMX)
    assert response.status_code == 200
    period.refresh_from_db()
    assert period.version == 1 and not PeriodChange.objects.exists()


def test_edit_records_old_and_new_values_and_bumps_the_version(client_as, rep, contact):
    period = PeriodFactory(contact=contact)
    url = reverse("subscriptions:period_edit", args=[period.pk])
    client = client_as(rep)
    assert 'name="version" value="1"' in client.get(url, headers=HTMX).text
    response = client.post(url, form(mrr="120.50", version="1"), headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "periodsChanged"
    period.refresh_from_db()
    assert period.mrr == Decimal("120.50") and period.version == 2
    change = PeriodChange.objects.get()
    assert change.action == "updated" and change.changed_by == rep
    assert (change.old_values["mrr"], change.new_values["mrr"]) == ("100.00", "120.50")
    history = client.get(reverse("subscriptions:history", args=[contact.pk])).text
    assert "100.00 EUR → 120.50 EUR" in history


def test_a_stale_edit_is_refused_with_a_clear_message(client_as, rep, manager, contact):
    period = PeriodFactory(contact=contact)
    url = reverse("subscriptions:period_edit", args=[period.pk])
    # The manager saves first, from the same version the rep has open.
    assert client_as(manager).post(url, form(mrr="110", version="1"), headers=HTMX).status_code == 200
    response = client_as(rep).post(url, form(mrr="999", version="1"), headers=HTMX)
    assert response.status_code == 422
    assert "Someone else changed this period" in response.text
    period.refresh_from_db()
    assert period.mrr == Decimal("110") and PeriodChange.objects.count() == 1


def test_edit_without_a_version_is_refused(client_as, rep, contact):
    period = PeriodFactory(contact=contact)
    response = client_as(rep).post(reverse("subscriptions:period_edit", args=[period.pk]), form(mrr="1"), headers=HTMX)
    assert response.status_code == 422
    period.refresh_from_db()
    assert period.mrr == Decimal("100.00")


def test_delete_asks_first_then_deletes_and_keeps_the_audit_row(client_as, rep, contact):
    period = PeriodFactory(contact=contact)
    url = reverse("subscriptions:period_delete", args=[period.pk])
    client = client_as(rep)
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Delete the period of 100.00 EUR" in confirm.text
    assert Period.objects.exists()
    stale = client.post(url, {"version": "7"}, headers=HTMX)
    assert stale.status_code == 422 and Period.objects.exists()
    response = client.post(url, {"version": "1"})
    assert response.status_code == 302 and response.url == contact.get_absolute_url()
    assert not Period.objects.exists()
    change = PeriodChange.objects.get()
    assert (change.action, change.period_id_value, change.old_values["mrr"], change.new_values) == ("deleted", period.pk, "100.00", {})


def test_deleting_the_author_keeps_the_audit_rows_without_their_author(contact):
    from crm.models import User

    author = User.objects.create(username="leaving")
    data = {"currency": "EUR", "mrr": Decimal("1"), "start_date": TODAY, "end_date": None}
    period = services.period_create(contact=contact, data=data, by=author)
    author.delete()
    change = PeriodChange.objects.get()
    assert (change.period_id_value, change.changed_by_id) == (period.pk, None)


def test_each_write_and_its_audit_row_commit_together(contact):
    """If the audit row cannot be written (here: by a user who was never saved), no period is written."""
    from crm.models import User

    data = {"currency": "EUR", "mrr": Decimal("1"), "start_date": TODAY, "end_date": None}
    with pytest.raises(ValueError):
        services.period_create(contact=contact, data=data, by=User(username="ghost"))
    assert not Period.objects.exists() and not PeriodChange.objects.exists()


def test_an_unknown_widget_part_is_a_400(client_as, rep, contact):
    url = reverse("subscriptions:contact", args=[contact.pk])
    assert client_as(rep).get(url + "?part=everything", headers=HTMX).status_code == 400
    assert client_as(rep).get(url).status_code == 200
