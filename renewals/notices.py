"""E-mail notices to a partner's users, recorded as rows first and sent by Celery after commit.

An event (a change created, a new status, a deadline drawing near) has a key; a notice is unique
per key and recipient, so noticing the same event twice creates nothing and sends nothing.
Notices go only to the users of the partner that looks after the customer now, and a notice
still pending when the association ends is never sent.
"""

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from crm import dates
from crm.jobs import enqueue_after_commit
from renewals import conf
from renewals.models import Association, ContractChange, Notice

def _notify(change: ContractChange, *, kind: str, event_key: str, status: str = "") -> list[Notice]:
    association = Association.objects.active().filter(customer_id=change.customer_id).select_related("partner").first()
    if association is None:
        return []
    from renewals.tasks import send_notice  # tasks import this module

    created = []
    for user in association.partner.users.filter(is_active=True).exclude(email=""):
        notice, is_new = Notice.objects.get_or_create(
            event_key=event_key,
            recipient=user,
            defaults={"change": change, "association": association, "kind": kind, "status": status},
        )
        if is_new:
            created.append(notice)
            enqueue_after_commit(send_notice, notice.pk)
    return created


def _current_status(change: ContractChange, today: datetime.date) -> str:
    return ContractChange.objects.with_status(today=today).values_list("status", flat=True).get(pk=change.pk)


def announce_created(change: ContractChange, *, today: datetime.date) -> list[Notice]:
    status = _current_status(change, today)
    ContractChange.objects.filter(pk=change.pk).update(announced_status=status)
    return _notify(change, kind=Notice.Kind.CREATED, event_key=f"created:{change.pk}", status=status)


def announce_status(change: ContractChange, *, today: datetime.date) -> list[Notice]:
    """Tell the partner's users if the status differs from the last one they were told about."""
    status = _current_status(change, today)
    if ContractChange.objects.filter(pk=change.pk, announced_status=status).exists():
        return []
    ContractChange.objects.filter(pk=change.pk).update(announced_status=status)
    return _notify(change, kind=Notice.Kind.STATUS, event_key=f"status:{change.pk}:{status}", status=status)


def daily(*, today: datetime.date) -> int:
    """Status changes brought by time passing, and reminders of deadlines within 7 days."""
    running = Association.objects.active().values("customer")
    changes = ContractChange.objects.with_status(today=today).filter(customer__in=running)
    created = 0
    with transaction.atomic():
        for change in changes.exclude(status=F("announced_status")).select_for_update(of=("self",)):
            created += len(announce_status(change, today=today))
        reminders = changes.filter(status=ContractChange.Status.PENDING).deadline_within(
            days=conf.reminder_days(), today=today
        )
        for change in reminders:
            created += len(
                _notify(
                    change, kind=Notice.Kind.DEADLINE, event_key=f"deadline:{change.pk}:{change.deadline.isoformat()}",
                    status=change.status,
                )
            )
    return created


def send(notice_id: int) -> bool:
    """Send one notice unless it was sent, failed or its association ended; True when an e-mail left.

    The row stays locked while the e-mail leaves and is marked sent in the same transaction, so
    two workers never both send it. A worker killed between the SMTP hand-off and the commit
    leaves it pending for the sweep: at least once, never lost.
    """
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(of=("self",))
            .select_related("association", "recipient", "change__customer__contact")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.sent_at or notice.skipped_at or notice.failed_at:
            return False
        if notice.association.ended_at is not None:
            notice.skipped_at = timezone.now()
            notice.save(update_fields=["skipped_at"])
            return False
        try:
            _message(notice).send()
        except Exception as error:  # noqa: BLE001 — whatever stops it, it must not be retried forever
            notice.attempts += 1
            notice.last_error = f"{type(error).__name__}: {error}"[:1000]
            if notice.attempts >= Notice.MAX_ATTEMPTS:
                notice.failed_at = timezone.now()
            notice.save(update_fields=["attempts", "last_error", "failed_at"])
            return False
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
    return True


def _message(notice: Notice) -> EmailMultiAlternatives:
    change = ContractChange.objects.with_status(today=dates.today()).select_related("customer__contact").get(pk=notice.change_id)
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "notice": notice,
            "change": change,
            "customer": change.customer,
            "recipient": notice.recipient,
            "url": conf.site_url() + reverse("renewals:customer", args=[change.customer_id]),
        }
        subject = render_to_string("renewals/email/notice_subject.txt", context).strip()
        text = render_to_string("renewals/email/notice.txt", context)
        html = render_to_string("renewals/email/notice.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [notice.recipient.email])
    message.attach_alternative(html, "text/html")
    return message


def pending_to_hand_over(*, older_than: datetime.timedelta) -> list[int]:
    """Notices that were recorded but never sent: the sweep hands them to Celery again."""
    cutoff = timezone.now() - older_than
    return list(Notice.objects.pending().filter(created_at__lte=cutoff).values_list("pk", flat=True)[:1000])
