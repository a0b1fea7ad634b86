"""E-mail notices: recorded first, handed over on commit only, one per event, never after the end."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse

from renewals import notices, services
from renewals.models import Notice
from renewals.tasks import daily_notices, sweep_notices
from tests.factories import UserFactory
from tests.renewals.factories import TODAY, ContractChangeFactory

pytestmark = pytest.mark.django_db

DATA = {"type": "renewal", "start_date": TODAY + datetime.timedelta(days=90), "billing_frequency": "annual", "term_months": 12}


@pytest.fixture
def colleague(partner_org):
    """A second user of our partner organisation: notices go to each of them."""
    user = UserFactory(username="colleague", role="partner")
    partner_org.users.add(user)
    return user


def test_created_is_recorded_at_once_and_handed_over_on_commit_only(
    customer, partner, colleague, frozen_today, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change = services.contract_change_create(customer=customer, data=DATA, by=None)
    assert Notice.objects.pending().filter(change=change, kind="created").count() == 2
    assert mailoutbox == []  # nothing leaves before the commit
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mailoutbox) == ["colleague@example.com", "partner@example.com"]
    assert not Notice.objects.pending().exists()
    message = mailoutbox[0]
    assert "Helix Labs" in message.subject
    assert message.alternatives[0][1] == "text/html" and "Helix Labs" in message.alternatives[0][0]
    assert "/renewals/customers/" in message.body


def test_the_notice_links_to_the_customer_at_the_sites_address(
    customer, partner, frozen_today, celery_eager, mailoutbox, django_capture_on_commit_callbacks, settings
):
    # What `PORT=8200 make run` sets (tests/crm/test_settings.py): the e-mail's link follows it.
    settings.RENEWALS_SITE_URL = "http://127.0.0.1:8200"
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_change_create(customer=customer, data=DATA, by=None)
    [message] = mailoutbox
    link = f"http://127.0.0.1:8200/renewals/customers/{customer.pk}/"
    assert link in message.body and f'href="{link}"' in message.alternatives[0][0]


def test_a_rolled_back_change_records_and_sends_nothing(customer, partner, frozen_today, celery_eager, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.contract_change_create(customer=customer, data=DATA, by=None)
            raise RuntimeError("the request failed")
    assert callbacks == [] and mailoutbox == []
    assert not Notice.objects.exists()


def test_status_change_is_one_notice_per_event(client_as, partner, rep, change, celery_eager, mailoutbox,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_as(partner).post(reverse("renewals:change_agreed", args=[change.pk]), {"version": 1})
    assert Notice.objects.filter(kind="status", status="renewed").count() == 1
    assert len(mailoutbox) == 1 and "now “Renewed”" in mailoutbox[0].subject
    # The same status noticed again, by the daily task or a second click: nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        client_as(rep).post(reverse("renewals:change_agreed", args=[change.pk]), {"version": 2})
        daily_notices.delay()
    assert Notice.objects.count() == 1 and len(mailoutbox) == 1
    # A real change of status is a new event.
    with django_capture_on_commit_callbacks(execute=True):
        client_as(rep).post(reverse("renewals:change_cancellation", args=[change.pk]), {"version": 2})
    assert len(mailoutbox) == 2 and "Cancellation requested" in mailoutbox[1].subject


def test_partner_setting_a_contact_sends_nothing(client_as, partner, change, celery_eager, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_as(partner).post(reverse("renewals:change_communication_owner", args=[change.pk]), {"version": 1, "owner": "partner"})
    assert mailoutbox == [] and not Notice.objects.exists()


def test_none_after_the_association_ended(client_as, rep, partner, customer, frozen_today, celery_eager, mailoutbox,
                                          django_capture_on_commit_callbacks):
    # A notice recorded but not yet sent when the association ends is never sent.
    with django_capture_on_commit_callbacks(execute=False) as pending:
        change = services.contract_change_create(customer=customer, data=DATA, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        client_as(partner).post(reverse("renewals:end_association", args=[customer.pk]))
    for callback in pending:
        callback()
    assert mailoutbox == []
    assert Notice.objects.get().skipped_at is not None
    # Nothing new is recorded afterwards: not for an action by vendor staff, nor by the daily task.
    with django_capture_on_commit_callbacks(execute=True):
        client_as(rep).post(reverse("renewals:change_agreed", args=[change.pk]), {"version": 1})
        services.contract_change_create(customer=customer, data={**DATA, "type": "email_overage"}, by=rep)
        daily_notices.delay()
        sweep_notices.delay()
    assert mailoutbox == [] and Notice.objects.count() == 1


def test_daily_task_twice_on_one_day_sends_nothing_new(partner, customer, frozen_today, celery_eager, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    ContractChangeFactory(customer=customer, start_date=TODAY + datetime.timedelta(days=47), announced_status="pending")
    ContractChangeFactory(customer=customer, start_date=TODAY + datetime.timedelta(days=30), announced_status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        first = daily_notices.delay().get()
    kinds = sorted(Notice.objects.values_list("kind", flat=True))
    assert first == 2 and kinds == ["deadline", "status"]
    assert len(mailoutbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        second = daily_notices.delay().get()
    assert second == 0 and len(mailoutbox) == 2


def test_daily_task_notices_the_44_day_auto_renewal(partner, customer, frozen_today, celery_eager, mailoutbox,
                                                    django_capture_on_commit_callbacks):
    start = TODAY + datetime.timedelta(days=45)
    change = ContractChangeFactory(customer=customer, start_date=start, announced_status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        daily_notices.delay()
    assert list(Notice.objects.values_list("kind", flat=True)) == ["deadline"]  # the deadline is today
    frozen_today.shift(datetime.timedelta(days=1))  # start - 44 days: renewed by time
    with django_capture_on_commit_callbacks(execute=True):
        daily_notices.delay()
    notice = Notice.objects.get(kind="status")
    assert notice.status == "renewed" and notice.change == change
    assert "now “Renewed”" in mailoutbox[-1].subject


def test_reminders_only_for_deadlines_within_7_days_still_pending(partner, customer, frozen_today, celery_eager,
                                                                  django_capture_on_commit_callbacks):
    def start(days_to_deadline):
        return TODAY + datetime.timedelta(days=45 + days_to_deadline)

    inside = ContractChangeFactory(customer=customer, type="tier_upgrade", start_date=start(7), announced_status="pending")
    ContractChangeFactory(customer=customer, type="tier_upgrade", start_date=start(8), announced_status="pending")
    ContractChangeFactory(customer=customer, type="tier_upgrade", start_date=start(-1), announced_status="pending")
    ContractChangeFactory(customer=customer, type="tier_upgrade", start_date=start(3), announced_status="confirmed",
                          agreed_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        daily_notices.delay()
    assert list(Notice.objects.values_list("change", "kind")) == [(inside.pk, "deadline")]


def test_the_sweep_hands_over_what_the_broker_missed(partner, customer, frozen_today, celery_eager, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        services.contract_change_create(customer=customer, data=DATA, by=None)  # the broker was down
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_notices.delay().get() == 0  # too recent: the hand-over may still be on its way
    frozen_today.shift(datetime.timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_notices.delay().get() == 1
    assert len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_notices.delay().get() == 0
    assert len(mailoutbox) == 1


def test_beat_runs_the_daily_task_and_the_sweep():
    from django.conf import settings

    from crm.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"renewals.daily_notices", "renewals.sweep_notices"} <= tasks
    assert {"renewals.daily_notices", "renewals.sweep_notices", "renewals.send_notice"} <= set(app.tasks)


def test_a_customer_name_with_a_line_break_is_refused_on_input(client_as, rep):
    response = client_as(rep).post(reverse("contact_create"), {"kind": "organisation", "name": "Acme\r\nBcc: x@evil.example", "owner": rep.pk})
    assert response.status_code in (200, 400, 422)
    assert "without line breaks" in response.text
    from crm.models import Contact

    assert not Contact.objects.filter(name__startswith="Acme").exists()


def test_a_notice_that_cannot_leave_stops_after_a_few_tries_and_shows_as_failed(
    customer, partner, frozen_today, celery_eager, mailoutbox, django_capture_on_commit_callbacks, client_as, admin_user
):
    # A name stored before single-line fields refused line breaks: Django will not put it in a subject.
    customer.contact.__class__.objects.filter(pk=customer.contact.pk).update(name="Acme\r\nBcc: x@evil.example")
    with django_capture_on_commit_callbacks(execute=True):
        change = services.contract_change_create(customer=customer, data=DATA, by=None)
    [notice] = Notice.objects.filter(change=change)
    for _ in range(Notice.MAX_ATTEMPTS + 2):  # the sweep would hand it over again and again
        notices.send(notice.pk)
    notice.refresh_from_db()
    assert mailoutbox == [] and notice.sent_at is None
    assert notice.attempts == Notice.MAX_ATTEMPTS and notice.failed_at is not None
    assert "BadHeaderError" in notice.last_error
    assert notices.pending_to_hand_over(older_than=datetime.timedelta(0)) == []  # no sweep takes it any more
    listing = client_as(admin_user).get(reverse("admin:renewals_notice_changelist") + "?failed_at__isnull=False")
    assert listing.status_code == 200 and "BadHeaderError" in listing.text
