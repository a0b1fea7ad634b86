"""The period form follows what is typed: the end field that goes with the end chosen (server
rendered, with or without JavaScript), the MRR a price and billing frequency make (computed by the
server as the save computes it), and where focus goes when an htmx answer comes back."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Feature
from subscriptions.models import Period
from tests.subscriptions.factories import PeriodFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


def part_url(contact, **query):
    from urllib.parse import urlencode

    return reverse("subscriptions:period_form_part", args=[contact.pk]) + "?" + urlencode(query)


def visible_labels(html):
    return set(re.findall(r'<label for="id_[a-z_]+">([^<*]+)', html))


def form(**values):
    data = {"currency": "EUR", "mrr": "100.00", "start_date": "2026-01-01", "end": "after", "term_months": "12",
            "end_date": "", "description": "", "price": "", "billing_frequency": "", "billing_every_months": ""}
    data.update(values)
    return data


# The end fields

def test_a_new_period_ends_after_n_months_so_only_the_number_of_months_shows(client_as, rep, contact):
    page = client_as(rep).get(reverse("subscriptions:period_create", args=[contact.pk])).text
    labels = visible_labels(page)
    assert "Number of months" in {label.strip() for label in labels}
    assert "End date" not in {label.strip() for label in labels}
    assert '<input type="hidden" name="end_date"' in page  # kept, out of sight


def test_a_period_ending_on_a_date_opens_with_only_the_end_date(client_as, rep, contact):
    period = PeriodFactory(contact=contact, start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 3, 15),
                           term_months=None)
    labels = {label.strip() for label in visible_labels(
        client_as(rep).get(reverse("subscriptions:period_edit", args=[period.pk])).text)}
    assert "End date" in labels and "Number of months" not in labels


@pytest.mark.parametrize(("end", "shown", "hidden"), [
    ("after", {"Number of months"}, {"End date"}),
    ("on", {"End date"}, {"Number of months"}),
    ("never", set(), {"End date", "Number of months"}),
    ("nonsense", set(), {"End date", "Number of months"}),
])
def test_choosing_how_it_ends_renders_the_field_that_goes_with_it(client_as, rep, contact, end, shown, hidden):
    response = client_as(rep).get(part_url(contact, part="end", end=end, term_months="7", end_date="2027-02-01"),
                                  headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="end-fields">')
    labels = {label.strip() for label in visible_labels(response.text)}
    assert shown <= labels and not hidden & labels
    # What was typed in the other field is kept, and nothing is called missing while choosing.
    assert 'value="7"' in response.text and 'value="2027-02-01"' in response.text
    assert "errorlist" not in response.text


def test_without_javascript_update_the_form_shows_the_chosen_field_and_saves_nothing(client_as, rep, contact):
    client = client_as(rep)
    url = reverse("subscriptions:period_create", args=[contact.pk])
    assert 'name="refresh"' in client.get(url).text and "<noscript>" in client.get(url).text
    response = client.post(url, form(end="on", term_months="", refresh="1"))
    assert response.status_code == 200
    labels = {label.strip() for label in visible_labels(response.text)}
    assert "End date" in labels and "Number of months" not in labels
    assert "errorlist" not in response.text
    assert not Period.objects.filter(contact=contact).exists()
    # Then, with the date given, Save saves it.
    response = client.post(url, form(end="on", term_months="", end_date="2026-06-30"))
    assert response.status_code == 302
    assert Period.objects.get(contact=contact).end_date == datetime.date(2026, 6, 30)


# The MRR preview

@pytest.mark.parametrize(("price", "frequency", "every", "expected"), [
    ("1200", "annual", "", "100.00 EUR"),
    ("300", "quarterly", "", "100.00 EUR"),
    ("100", "semiannual", "", "16.67 EUR"),
    ("49.90", "monthly", "", "49.90 EUR"),
    ("900", "every_n_months", "9", "100.00 EUR"),
    ("1234567", "annual", "", "102,880.58 EUR"),
])
def test_the_preview_shows_the_mrr_the_save_will_store(client_as, rep, contact, price, frequency, every, expected):
    client = client_as(rep)
    preview = client.get(part_url(contact, part="mrr", price=price, billing_frequency=frequency,
                                  billing_every_months=every, currency="eur", mrr=""), headers=HTMX)
    assert preview.status_code == 200
    assert preview.text.lstrip().startswith('<p id="mrr-preview"')
    assert f"{expected}</strong>" in preview.text
    client.post(reverse("subscriptions:period_create", args=[contact.pk]),
                form(mrr="", price=price, billing_frequency=frequency, billing_every_months=every), headers=HTMX)
    saved = Period.objects.get(contact=contact)
    assert f"{saved.mrr:,.2f} EUR" == expected


@pytest.mark.parametrize(("query", "message"), [
    ({"price": "abc", "billing_frequency": "annual"}, "Enter a number."),
    ({"price": "-5", "billing_frequency": "annual"}, "greater than or equal to 0"),
    ({"price": "100", "billing_frequency": "weekly"}, "Select a valid choice."),
    ({"price": "100", "billing_frequency": "every_n_months"}, "Give the number of months between payments."),
    ({"price": "100", "billing_frequency": "every_n_months", "billing_every_months": "0"}, "greater than or equal to 1"),
    ({"billing_frequency": "annual"}, "Give the price billed at this frequency."),
    ({"price": "100"}, "Choose how often the price is billed."),
    ({"price": "1" * 40, "billing_frequency": "annual"}, "no more than 12 digits"),
])
def test_bad_input_in_the_preview_says_why(client_as, rep, contact, query, message):
    response = client_as(rep).get(part_url(contact, part="mrr", **query), headers=HTMX)
    assert response.status_code == 422
    assert message in response.text and "MRR from this price" not in response.text


def test_nothing_typed_shows_no_preview(client_as, rep, contact):
    response = client_as(rep).get(part_url(contact, part="mrr", price="", billing_frequency=""), headers=HTMX)
    assert response.status_code == 200 and "MRR from this price" not in response.text


def test_the_edit_form_opens_with_the_mrr_its_price_makes(client_as, rep, contact):
    period = PeriodFactory(contact=contact, mrr=Decimal("50.00"), price=Decimal("600.00"), billing_frequency="annual")
    page = client_as(rep).get(reverse("subscriptions:period_edit", args=[period.pk]), headers=HTMX).text
    assert "MRR from this price: <strong>50.00 EUR</strong>" in page


def test_the_preview_is_in_the_language_s_format(client_as, rep, contact):
    client = client_as(rep)
    client.cookies["django_language"] = "it"
    response = client.get(part_url(contact, part="mrr", price="12345.6", billing_frequency="monthly", currency="EUR"),
                          headers={**HTMX, "Accept-Language": "it"})
    assert "MRR da questo prezzo: <strong>12.345,60 EUR</strong>" in response.text


def test_form_parts_are_behind_the_contact_s_visibility_and_the_feature(client_as, rep, outsider, contact, client):
    url = part_url(contact, part="mrr", price="12", billing_frequency="monthly")
    assert client_as(outsider).get(url).status_code == 404
    assert client_as(rep).get(part_url(contact, part="whatever")).status_code == 400
    assert client_as(rep).get(url).status_code == 200
    Feature.objects.filter(name="subscriptions").update(is_active=False)
    assert client_as(rep).get(url).status_code == 404


# Headings and focus

def test_the_form_s_heading_is_the_page_s_h1_alone_and_an_h3_in_the_panel(client_as, rep, contact):
    client = client_as(rep)
    url = reverse("subscriptions:period_create", args=[contact.pk])
    page = client.get(url).text
    assert re.search(r"<h1[^>]*>Add subscription</h1>", page)
    fragment = client.get(url, headers=HTMX).text
    assert re.search(r'<h3 id="period-form-heading" tabindex="-1" data-focus-after-swap>Add subscription</h3>', fragment)
    assert "<h1" not in fragment


def test_a_save_answers_the_periods_table_with_the_saved_row_taking_focus(client_as, rep, contact):
    response = client_as(rep).post(reverse("subscriptions:period_create", args=[contact.pk]), form(), headers=HTMX)
    period = Period.objects.get(contact=contact)
    assert response.headers["HX-Trigger"] == "periodsChanged"
    assert '<section id="subscription-periods" data-hx-swap-oob="true">' in response.text
    row = re.search(rf'<tr id="period-{period.pk}"[^>]*>', response.text).group()
    assert "data-focus-after-swap" in row
    assert response.text.count("data-focus-after-swap") == 1  # the row, not the message too


def test_an_edit_marks_the_edited_row_and_a_delete_the_message(client_as, rep, contact):
    first = PeriodFactory(contact=contact, start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2025, 12, 31))
    second = PeriodFactory(contact=contact, start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31))
    client = client_as(rep)
    response = client.post(reverse("subscriptions:period_edit", args=[first.pk]),
                           form(mrr="90", start_date="2025-01-01", version="1"), headers=HTMX)
    assert response.status_code == 200
    assert "data-focus-after-swap" in re.search(rf'<tr id="period-{first.pk}"[^>]*>', response.text).group()
    assert "data-focus-after-swap" not in re.search(rf'<tr id="period-{second.pk}"[^>]*>', response.text).group()
    response = client.post(reverse("subscriptions:period_delete", args=[second.pk]), {"version": "1"}, headers=HTMX)
    assert re.search(r'<p class="message" role="status" tabindex="-1" data-focus-after-swap>Period deleted.</p>',
                     response.text)
    assert f'id="period-{second.pk}"' not in response.text


def test_a_refused_form_marks_its_first_field_in_error(client_as, rep, contact):
    response = client_as(rep).post(reverse("subscriptions:period_create", args=[contact.pk]),
                                   form(mrr="", term_months="", description="ok"), headers=HTMX)
    assert response.status_code == 422
    marked = re.findall(r'<input[^>]*data-focus-after-swap[^>]*>', response.text)
    assert len(marked) == 1 and 'name="mrr"' in marked[0]
    assert "data-focus-after-swap" not in re.search(r"<h3[^>]*>", response.text).group()


def test_a_refused_overlap_marks_the_form_s_error_list(client_as, rep, contact):
    PeriodFactory(contact=contact, start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31))
    response = client_as(rep).post(reverse("subscriptions:period_create", args=[contact.pk]),
                                   form(start_date="2026-06-01"), headers=HTMX)
    assert response.status_code == 422
    assert re.search(r'<div role="alert" tabindex="-1" data-focus-after-swap><ul class="errorlist"><li>This period overlaps',
                     response.text)
    assert response.text.count("data-focus-after-swap") == 1
