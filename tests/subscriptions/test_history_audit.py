"""The MRR history's audit trail shows values as the rest of the page does: dates in the language's
format, money as money with its currency, choices by their label, people by their full name; and
its month-by-month "Change" column is a noun in every language."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from subscriptions import services
from subscriptions.models import PeriodChange

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


@pytest.fixture
def audited(contact, rep):
    """A period added with a price typed as "1e3", billed quarterly, then edited: two audit rows."""
    data = {"currency": "EUR", "mrr": Decimal("1E+3") / 3, "start_date": datetime.date(2026, 1, 1),
            "end_date": datetime.date(2026, 12, 31), "term_months": 12, "description": "",
            "price": Decimal("1E+3"), "billing_frequency": "quarterly", "billing_every_months": None}
    data["mrr"] = Decimal("333.33")
    period = services.period_create(contact=contact, data=data, by=rep)
    services.period_update(period=period, data={**data, "price": Decimal("1.2E+4"), "mrr": Decimal("4000.00"),
                                                "billing_frequency": "annual", "end_date": datetime.date(2027, 3, 31),
                                                "term_months": None}, version=1, by=rep)
    return period


def changes_table(html):
    return re.search(r'<h2 id="changes-heading">.*?</table>', html, re.S).group()


def test_audit_values_are_formatted_as_on_the_page(client_as, rep, contact, audited):
    rep.first_name, rep.last_name = "Renata", "Esposito"
    rep.save()
    table = changes_table(client_as(rep).get(reverse("subscriptions:history", args=[contact.pk])).text)
    assert "E+" not in table and "quarterly" not in table and "2026-12-31" not in table
    assert "Price: 1,000.00 EUR → 12,000.00 EUR" in table and "MRR: 333.33 EUR → 4,000.00 EUR" in table
    assert "Billing frequency: Quarterly → Annual" in table
    assert "End date: Dec 31, 2026 → Mar 31, 2027" in table
    assert "Term in months: 12 → —" in table
    assert "Renata Esposito" in table and ">rep<" not in table


def test_audit_values_in_italian(client_as, rep, contact, audited):
    client = client_as(rep)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    table = changes_table(client.get(reverse("subscriptions:history", args=[contact.pk])).text)
    assert "1.000,00 EUR → 12.000,00 EUR" in table
    assert "Trimestrale → Annuale" in table
    assert "31/12/2026 → 31/03/2027" in table


def test_the_snapshot_stores_money_without_an_exponent(audited):
    # As the column stores it, whoever wrote the period (a form typed "1E+3", or an import).
    created = PeriodChange.objects.get(action="created")
    assert created.new_values["price"] == "1000.00"


@pytest.mark.parametrize(("language", "noun", "verb"), [("it", "Variazione", "Cambia"), ("pt-br", "Variação", "Alterar")])
def test_the_month_by_month_change_column_is_a_noun(client_as, rep, contact, audited, language, noun, verb):
    client = client_as(rep)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("subscriptions:history", args=[contact.pk])).text
    header = re.search(r'<table class="striped">\s*<thead>.*?</thead>', page, re.S).group()
    assert f'class="num">{noun}</th>' in header and verb not in header


def test_paging_the_history_with_htmx_gives_focus_to_its_heading(client_as, rep, contact, audited):
    from tests.subscriptions.factories import monthly_periods

    monthly_periods(contact, 30, first=datetime.date(2020, 1, 1))
    client = client_as(rep)
    url = reverse("subscriptions:history", args=[contact.pk])
    assert "data-focus-after-swap" not in client.get(url).text
    fragment = client.get(url + "?page=2", headers=HTMX).text
    assert '<h2 id="months-heading" tabindex="-1" data-focus-after-swap>' in fragment
