"""A rep cannot see or touch another rep's contact's periods: 404 by URL and by forged form posts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from subscriptions.models import Period, PeriodChange
from tests.factories import ContactFactory
from tests.subscriptions.factories import PeriodFactory

FORM = {"currency": "EUR", "mrr": "1.00", "start_date": "2030-01-01", "end": "never", "version": "1"}


@pytest.fixture
def theirs(subscriptions_on, outsider_contact):
    return PeriodFactory(contact=outsider_contact, mrr=Decimal("777.00"))


def _snapshot():
    return list(Period.objects.order_by("pk").values()), PeriodChange.objects.count()


def contact_urls(contact):
    return [reverse(f"subscriptions:{name}", args=[contact.pk]) for name in ("contact", "history", "period_create", "period_change")]


def period_urls(period):
    return [reverse(f"subscriptions:{name}", args=[period.pk]) for name in ("period_edit", "period_delete")]


def test_rep_gets_404_for_every_url_of_another_reps_contact(client_as, rep, theirs):
    client = client_as(rep)
    for url in contact_urls(theirs.contact) + period_urls(theirs):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "777" not in response.text


def test_forged_posts_to_another_reps_contact_or_period_are_404_and_write_nothing(client_as, rep, theirs):
    client = client_as(rep)
    before = _snapshot()
    for url in contact_urls(theirs.contact)[2:] + period_urls(theirs):
        for headers in ({}, {"HX-Request": "true"}):
            assert client.post(url, FORM, headers=headers).status_code == 404, url
    assert _snapshot() == before


def test_a_forged_contact_field_cannot_move_a_period_to_another_contact(client_as, rep, contact, theirs):
    """The contact comes from the URL, through the visibility gate; posted fields cannot name another."""
    client = client_as(rep)
    url = reverse("subscriptions:period_create", args=[contact.pk])
    response = client.post(url, {**FORM, "contact": theirs.contact.pk, "contact_id": theirs.contact.pk})
    assert response.status_code == 302
    assert Period.objects.filter(contact=theirs.contact).count() == 1
    assert Period.objects.filter(contact=contact).count() == 1


def test_the_widget_of_another_reps_contact_never_shows(client_as, rep, theirs):
    assert client_as(rep).get(theirs.contact.get_absolute_url()).status_code == 404


def test_manager_sees_and_edits_their_reps_periods_but_not_other_teams(client_as, manager, rep, theirs):
    mine = PeriodFactory(contact=ContactFactory(owner=rep), start_date=datetime.date(2026, 1, 1))
    client = client_as(manager)
    assert client.get(reverse("subscriptions:period_edit", args=[mine.pk])).status_code == 200
    assert client.get(reverse("subscriptions:period_edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("subscriptions:period_delete", args=[theirs.pk]), {"version": "1"}).status_code == 404
    assert Period.objects.filter(pk=theirs.pk).exists()


def test_partner_has_no_subscription_pages(client_as, partner, theirs):
    client = client_as(partner)
    for url in [reverse("subscriptions:pipeline"), *contact_urls(theirs.contact), *period_urls(theirs)]:
        assert client.get(url).status_code == 404, url
