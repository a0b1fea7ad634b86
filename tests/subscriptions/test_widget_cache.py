"""The widget's periods table and chart are cached under a digest of what they show: a repeat
view renders neither again, and any change to a period or to the day shows at once."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from tests.factories import ContactFactory
from tests.subscriptions.factories import monthly_periods

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


def periods_section(html):
    return re.search(r'<section id="subscription-periods".*?</section>', html, re.S).group()


def rendered(response):
    return {template.name for template in response.templates}


def test_a_repeat_view_serves_the_table_and_chart_from_the_cache(client_as, rep):
    contact = ContactFactory(owner=rep)
    monthly_periods(contact, 120)
    client = client_as(rep)
    first = client.get(contact.get_absolute_url())
    second = client.get(contact.get_absolute_url())
    assert "subscriptions/_chart.html" in rendered(first)
    assert "subscriptions/_chart.html" not in rendered(second)
    assert second.text.count('class="tag" data-tag=') == 120
    assert periods_section(first.text) == periods_section(second.text)


def test_an_edit_shows_at_once(client_as, rep):
    contact = ContactFactory(owner=rep)
    [*_, last] = monthly_periods(contact, 24)
    client = client_as(rep)
    assert "123.00" in client.get(contact.get_absolute_url()).text
    form = {"currency": "EUR", "mrr": "987.65", "start_date": last.start_date.isoformat(), "end": "on",
            "end_date": last.end_date.isoformat(), "term_months": "", "description": "", "price": "",
            "billing_frequency": "", "billing_every_months": "", "version": "1"}
    response = client.post(reverse("subscriptions:period_edit", args=[last.pk]), form, headers=HTMX)
    assert response.status_code == 200, response.text
    page = client.get(contact.get_absolute_url()).text
    assert "987.65" in page
    assert "123.00" not in page


def test_a_deleted_period_leaves_at_once(client_as, rep):
    contact = ContactFactory(owner=rep)
    periods = monthly_periods(contact, 12)
    client = client_as(rep)
    assert client.get(contact.get_absolute_url()).text.count('class="tag" data-tag=') == 12
    response = client.post(reverse("subscriptions:period_delete", args=[periods[0].pk]), {"version": "1"}, headers=HTMX)
    assert response.status_code == 200
    assert client.get(contact.get_absolute_url()).text.count('class="tag" data-tag=') == 11


def test_a_new_day_moves_the_current_period(client_as, rep):
    contact = ContactFactory(owner=rep)
    monthly_periods(contact, 3, first=datetime.date(2026, 10, 1))  # October, November, December
    client = client_as(rep)
    november = client.get(contact.get_absolute_url()).text
    with time_machine.travel(datetime.datetime(2026, 12, 5, 12, tzinfo=datetime.UTC), tick=False):
        december = client.get(contact.get_absolute_url()).text
    assert november != december
    current = 'class="current-period"'
    assert november.count(current) == december.count(current) == 1
    assert november.index(current) > december.index(current)  # latest first: December is the first row


def test_a_release_that_changes_how_the_fragments_render_shows_at_once(client_as, rep, monkeypatch):
    """A new template or date format (`widget.RENDERING`) is a new key: the fragments cached by the
    release before are not served for the day they would otherwise live."""
    from subscriptions import widget

    contact = ContactFactory(owner=rep)
    monthly_periods(contact, 12)
    client = client_as(rep)
    client.get(contact.get_absolute_url())
    monkeypatch.setattr(widget, "RENDERING", "the next release")
    assert "subscriptions/_chart.html" in rendered(client.get(contact.get_absolute_url()))
