"""Twenty people editing the same record at once, and an edit after a delete.

Two people writing through each form, one after the other, are in test_two_writers. Here: twenty
threads, each with its own database connection and its own logged-in client, writing the same
period or contract change at the same moment and retrying when refused: every one of the twenty
updates lands (0 lost), none fails with a deadlock or any other database error. Twenty threads
creating overlapping periods at the same moment: exactly one is created.

The threads really run at once: row locks and the exclusion constraint decide.
"""

import datetime
import threading
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from renewals.models import ContractChange, ContractChangeLog
from subscriptions.models import Period, PeriodChange
from tests.factories import ContactFactory

THREADS = 20
HTMX = {"HX-Request": "true"}
STALE_PERIOD = "Someone else changed this period while you were editing it"
STALE_CHANGE = "Someone else changed this contract change a moment ago"
OVERLAP = "This period overlaps another period of the same contact"


def period_form(**values):
    return {"currency": "EUR", "mrr": "100.00", "start_date": "2026-01-01", "end": "on", "end_date": "2026-12-31",
            **values}


@pytest.fixture
def period(rep, contact, subscriptions_on):
    return Period.objects.create(contact=contact, mrr="100.00", start_date="2026-01-01", end_date="2026-12-31")


# A delete and an edit ------------------------------------------------------------------------------
# (Two people editing through the same form: tests/reliability/test_two_writers.py.)


def test_an_edit_after_a_delete_finds_nothing_to_save(rep, manager, period):
    editor, deleter = Client(), Client()
    editor.force_login(rep)
    deleter.force_login(manager)
    edit = reverse("subscriptions:period_edit", args=[period.pk])
    delete = reverse("subscriptions:period_delete", args=[period.pk])
    assert deleter.post(delete, {"version": "1"}, headers=HTMX).status_code == 200
    assert editor.post(edit, period_form(mrr="125.00", version="1"), headers=HTMX).status_code == 404
    assert not Period.objects.filter(pk=period.pk).exists()


@pytest.fixture
def renewal(rep, partner):
    from tests.renewals.factories import AssociationFactory, ContractChangeFactory, PartnerOrganisationFactory

    customer = AssociationFactory(partner=PartnerOrganisationFactory(users=[partner]), customer__contact__owner=rep).customer
    ContactFactory(owner=rep, organisation=customer.contact, name="Primary Person")
    return ContractChangeFactory(customer=customer)


# Twenty at once -----------------------------------------------------------------------------------


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def run_at_once(count, work):
    """Run `work(index)` in `count` threads that start together; collect results and errors.

    Each thread has its own database connection (Django's are per thread) and closes it at the end.
    """
    from django.db import connections

    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 — every failure is reported by the test
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer is stuck: deadlock or lock wait"
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_edits_of_one_period_lose_no_update(rep, period):
    url = reverse("subscriptions:period_edit", args=[period.pk])

    def add_one(index):
        client = logged_in(rep)
        refusals = 0
        for _ in range(200):
            current = Period.objects.get(pk=period.pk)
            first_read = (current.mrr, current.version)
            # read, think, write: another thread may save in between, as a person would
            response = client.post(url, period_form(mrr=str(first_read[0] + 1), version=str(first_read[1])),
                                   headers=HTMX)
            if response.status_code == 200:
                return refusals
            assert response.status_code == 422 and STALE_PERIOD in response.text, response.status_code
            refusals += 1
        raise AssertionError("never got through")

    refusals, errors = run_at_once(THREADS, add_one)
    assert errors == []
    period.refresh_from_db()
    assert period.mrr == Decimal("100.00") + THREADS  # 0 lost updates
    assert period.version == 1 + THREADS
    assert PeriodChange.objects.filter(action="updated").count() == THREADS


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_actions_on_one_contract_change_lose_no_update(rep, partner, renewal):
    actions = ["change_communication_owner", "change_primary_contact"]
    person = renewal.customer.people().get()

    def act(index):
        client = logged_in(partner if index % 2 else rep)
        name = actions[index % 2]
        extra = {"owner": "partner"} if index % 2 == 0 else {"primary_contact": person.pk}
        for _ in range(200):
            version = ContractChange.objects.get(pk=renewal.pk).version
            response = client.post(reverse(f"renewals:{name}", args=[renewal.pk]),
                                   {"version": version, "layout": "customer", **extra}, headers=HTMX)
            if response.status_code == 200:
                return True
            assert response.status_code == 422 and STALE_CHANGE in response.text, response.status_code
        raise AssertionError("never got through")

    results, errors = run_at_once(THREADS, act)
    assert errors == [] and all(results)
    renewal.refresh_from_db()
    assert renewal.version == 1 + THREADS  # every one of the twenty saves counted, none overwritten
    assert ContractChangeLog.objects.filter(change=renewal).count() == THREADS
    assert (renewal.communication_owner, renewal.primary_contact) == ("partner", person)


@pytest.mark.django_db(transaction=True)
def test_racing_overlapping_periods_cannot_be_created(rep, contact, subscriptions_on):
    url = reverse("subscriptions:period_create", args=[contact.pk])

    def create(index):
        client = logged_in(rep)
        # all twenty share July 2026
        start = datetime.date(2026, 1, 1) + datetime.timedelta(days=index)
        response = client.post(url, period_form(start_date=start.isoformat(), mrr=str(100 + index)), headers=HTMX)
        return response.status_code, OVERLAP in response.text

    results, errors = run_at_once(THREADS, create)
    assert errors == []
    assert sorted(status for status, _ in results) == [200] + [422] * (THREADS - 1)
    assert all(overlap for status, overlap in results if status == 422)
    assert Period.objects.filter(contact=contact).count() == 1
    assert PeriodChange.objects.filter(contact=contact).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_non_overlapping_periods_all_land_without_deadlock(rep, contact, subscriptions_on):
    url = reverse("subscriptions:period_create", args=[contact.pk])

    def create(index):
        client = logged_in(rep)
        start = datetime.date(2030 + index, 1, 1)
        return client.post(url, period_form(start_date=start.isoformat(), end_date=f"{2030 + index}-12-31"),
                           headers=HTMX).status_code

    results, errors = run_at_once(THREADS, create)
    assert errors == [] and results == [200] * THREADS
    assert Period.objects.filter(contact=contact).count() == THREADS
