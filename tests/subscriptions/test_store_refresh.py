"""Bringing the stored reports up to date is bounded: a movements report recomputes at most a few
seconds' worth of owners (`movements_store.INLINE_SECONDS`, `owner_batches.BATCH` owners a
transaction) and otherwise says how far the figures are (202, asking again by itself; the CSV 503
with Retry-After), never a worker timing out; each request and the background task carry on. The
task also moves every stored pipeline to the new day, and a rate change sends it."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from subscriptions import movements_store, owner_batches, pipeline_store
from subscriptions.models import OwnerMovements
from subscriptions.rates import rate_create
from subscriptions.tasks import refresh_stored_reports
from tests.factories import ContactFactory, UserFactory
from tests.subscriptions.factories import PeriodFactory

URL = reverse("subscriptions:movements")
CSV = reverse("subscriptions:movements_csv")
D = datetime.date


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


@pytest.fixture
def company(rep):
    """Three reps, each with a customer of 100 EUR a month since January."""
    reps = [rep, UserFactory(username="rep2"), UserFactory(username="rep3")]
    for owner in reps:
        PeriodFactory(contact=ContactFactory(owner=owner), mrr=Decimal("100"), start_date=D(2026, 1, 1), end_date=None,
                      currency="EUR")
    return reps


@pytest.fixture
def one_owner_a_request(monkeypatch):
    """As if each owner took longer to recompute than a report may spend: one batch a request."""
    monkeypatch.setattr(owner_batches, "BATCH", 1)
    monkeypatch.setattr(movements_store, "INLINE_SECONDS", 0)


def test_a_report_with_too_many_owners_out_of_date_says_how_far_and_each_request_moves_on(
        client_as, admin_user, company, one_owner_a_request):
    client = client_as(admin_user)
    total = len(movements_store.out_of_date(None))
    first = client.get(URL, {"start": "2026-01", "end": "2026-06"})
    assert first.status_code == 202
    assert f"{total - 1} owners&#x27; figures still to compute" in first.text
    # the region asks again by itself, and says so without JavaScript
    assert 'data-hx-trigger="load delay:3s"' in first.text and ">Reload</a>" in first.text
    assert "Download CSV" not in first.text and "<table" not in first.text  # no figures meanwhile
    polled = client.get(URL, {"start": "2026-01", "end": "2026-06"}, headers={"HX-Request": "true"})
    assert polled.status_code == 202 and "<html" not in polled.text and f"{total - 2} owners" in polled.text
    csv = client.get(CSV, {"start": "2026-01", "end": "2026-06"})
    assert csv.status_code == 503 and csv["Retry-After"] == "10" and f"{total - 3} owners" in csv.text
    for _ in range(total):  # each request recomputes one more owner
        page = client.get(URL, {"start": "2026-01", "end": "2026-06"})
        if page.status_code == 200:
            break
    assert page.status_code == 200 and "data-hx-trigger=\"load delay:3s\"" not in page.text
    assert "300.00" in page.text  # the three reps' closing MRR


def pipeline_out_of_date(today):
    from crm.models import User

    return pipeline_store._state(list(User.objects.values_list("pk", flat=True)), today=today)[1]


def test_the_background_task_brings_every_owner_up_to_date(client_as, admin_user, company, one_owner_a_request,
                                                          time_machine, django_assert_max_num_queries):
    assert len(movements_store.out_of_date(None)) > 1 and len(pipeline_out_of_date(D(2026, 11, 22))) > 1
    assert refresh_stored_reports() > 1
    assert movements_store.out_of_date(None) == {} and pipeline_out_of_date(D(2026, 11, 22)) == {}
    client = client_as(admin_user)
    assert client.get(URL, {"start": "2026-01", "end": "2026-06"}).status_code == 200
    # the next day, every stored pipeline is a day old: the task moves them on
    time_machine.move_to(datetime.datetime(2026, 11, 23, 12, tzinfo=datetime.UTC), tick=False)
    assert len(pipeline_out_of_date(D(2026, 11, 23))) > 1
    refresh_stored_reports()
    assert pipeline_out_of_date(D(2026, 11, 23)) == {}
    assert client.get(reverse("subscriptions:pipeline")).status_code == 200


def test_a_team_out_of_date_is_recomputed_in_its_request(client_as, manager, company):
    assert client_as(manager).get(URL).status_code == 200  # a handful of owners: one batch


def test_a_rate_change_sends_the_task_that_recomputes_every_owner(admin_user, company,
                                                                 django_capture_on_commit_callbacks):
    movements_store.refresh(movements_store.out_of_date(None))
    assert movements_store.out_of_date(None) == {}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rate_create(currency="USD", rate=Decimal("0.9"), valid_from=D(2026, 1, 1), against="EUR", by=admin_user)
    assert callbacks  # handed to Celery once committed (run at once here: no broker, eager)
    assert movements_store.out_of_date(None) == {} and pipeline_out_of_date(D(2026, 11, 22)) == {}
    assert set(OwnerMovements.objects.values_list("owner_id", flat=True)) >= {owner.pk for owner in company}
