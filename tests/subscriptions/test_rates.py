"""The reporting currency and exchange-rate pages: an admin's, audited, versioned, refusing bad input."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Feature, User
from subscriptions.models import ExchangeRate, ExchangeRateChange, ReportingCurrency
from tests.factories import UserFactory
from tests.html_forms import read_form

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


@pytest.fixture
def other_admin(db):
    return UserFactory(username="admin2", role=User.Role.ADMIN, is_staff=True, is_superuser=True)


def form_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return read_form(response.text, action=url, page=url)


def add(client, **values):
    url = reverse("subscriptions:rate_create")
    return client.post(url, {**form_of(client, url), **values})


def a_rate(currency="USD", value="0.92", valid_from=D(2026, 1, 1), reporting="EUR"):
    return ExchangeRate.objects.create(reporting_currency=reporting, currency=currency, rate=Decimal(value),
                                       valid_from=valid_from)


def test_an_admin_adds_a_rate_and_the_history_says_who_and_what(client_as, admin_user):
    client = client_as(admin_user)
    response = add(client, currency="usd", rate="0.92", valid_from="2026-01-01")
    assert response.status_code == 302 and response["Location"] == reverse("subscriptions:rates")
    saved = ExchangeRate.objects.get()
    assert (saved.reporting_currency, saved.currency, saved.rate, saved.valid_from) == ("EUR", "USD", Decimal("0.92"), D(2026, 1, 1))
    change = ExchangeRateChange.objects.get()
    assert (change.action, change.changed_by, change.old_values) == ("created", admin_user, {})
    assert change.new_values == {"reporting_currency": "EUR", "currency": "USD", "rate": "0.92000000", "valid_from": "2026-01-01"}
    page = client.get(reverse("subscriptions:rates")).text
    assert "1 USD = 0.92 EUR" in page and "in force" in page
    assert "Added" in page and admin_user.get_full_name() in page


def test_a_rate_from_a_later_day_is_a_new_row_and_the_earlier_stays_in_force_until_then(client_as, admin_user):
    a_rate(valid_from=D(2026, 1, 1), value="0.92")
    a_rate(valid_from=D(2027, 1, 1), value="0.95")  # known ahead
    page = client_as(admin_user).get(reverse("subscriptions:rates")).text
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert "0.95" in rows[0] and "in force" not in rows[0]
    assert "0.92" in rows[1] and "in force" in rows[1]


@pytest.mark.parametrize(("values", "message"), [
    ({"rate": "-0.5"}, "A rate is more than 0."),
    ({"rate": "0"}, "A rate is more than 0."),
    ({"rate": "zero point nine"}, "Enter a number."),
    ({"rate": "NaN"}, "Enter a number."),
    ({"rate": "0.123456789"}, "no more than 8 decimal places"),
    ({"rate": "12345678"}, "no more than 7 digits before the decimal point"),
    ({"valid_from": "1899-12-31"}, "Enter a date between"),
    ({"valid_from": "2201-01-01"}, "Enter a date between"),
    ({"valid_from": "2026-02-30"}, "Enter a valid date."),
    ({"currency": "US"}, "Ensure this value has at least 3 characters"),
    ({"currency": "U$D"}, "Use a three-letter currency code, such as EUR."),
    ({"currency": "EUR"}, "EUR is the reporting currency: its rate is always 1."),
])
def test_bad_input_is_refused_with_its_reason_and_nothing_is_written(client_as, admin_user, values, message):
    response = add(client_as(admin_user), **{"currency": "USD", "rate": "0.92", "valid_from": "2026-01-01", **values})
    assert response.status_code == 422
    assert message in response.text
    assert not ExchangeRate.objects.exists() and not ExchangeRateChange.objects.exists()


def test_a_second_rate_of_the_same_currency_and_day_is_refused(client_as, admin_user):
    a_rate()
    response = add(client_as(admin_user), currency="USD", rate="0.5", valid_from="2026-01-01")
    assert response.status_code == 422
    assert "There is already a USD rate from" in response.text
    assert list(ExchangeRate.objects.values_list("rate", flat=True)) == [Decimal("0.92")]


def test_the_same_add_form_posted_twice_adds_one_rate(client_as, admin_user):
    client = client_as(admin_user)
    url = reverse("subscriptions:rate_create")
    data = {**form_of(client, url), "currency": "USD", "rate": "0.92", "valid_from": "2026-01-01"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert ExchangeRate.objects.count() == 1 and ExchangeRateChange.objects.count() == 1


def test_an_add_form_shown_before_the_reporting_currency_changed_is_refused(client_as, admin_user, other_admin):
    client = client_as(admin_user)
    url = reverse("subscriptions:rate_create")
    data = {**form_of(client, url), "currency": "USD", "rate": "0.92", "valid_from": "2026-01-01"}
    from subscriptions.rates import reporting_currency_set

    reporting_currency_set(code="GBP", version=1, by=other_admin)
    response = client.post(url, data)
    assert response.status_code == 409
    assert "The reporting currency changed to GBP since this form was shown" in response.text
    assert not ExchangeRate.objects.exists()


def test_correcting_a_rate_is_audited_with_old_and_new_values(client_as, admin_user):
    rate = a_rate()
    client = client_as(admin_user)
    url = reverse("subscriptions:rate_edit", args=[rate.pk])
    response = client.post(url, {**form_of(client, url), "rate": "0.93"})
    assert response.status_code == 302
    rate.refresh_from_db()
    assert (rate.rate, rate.version) == (Decimal("0.93"), 2)
    change = ExchangeRateChange.objects.get(action="updated")
    assert (change.old_values["rate"], change.new_values["rate"], change.rate_id_value) == ("0.92000000", "0.93000000", rate.pk)
    history = client.get(url).text
    assert "Corrected" in history and "1 USD = 0.92 EUR" in history and "1 USD = 0.93 EUR" in history


def test_two_admins_correcting_one_rate_the_second_is_refused_with_the_first_ones_values(client_as, admin_user, other_admin, client):
    rate = a_rate()
    url = reverse("subscriptions:rate_edit", args=[rate.pk])
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(admin_user)
    second.force_login(other_admin)
    read_first, read_second = form_of(first, url), form_of(second, url)
    assert first.post(url, {**read_first, "rate": "0.93"}).status_code == 302
    refused = second.post(url, {**read_second, "rate": "0.99"})
    assert refused.status_code == 409
    assert "Someone else changed this rate while you were editing it" in refused.text
    assert "0.93 EUR" in refused.text.split("Their saved values")[1]
    rate.refresh_from_db()
    assert rate.rate == Decimal("0.93")


def test_deleting_a_rate_keeps_its_audit_rows_and_a_stale_delete_is_refused(client_as, admin_user):
    rate = a_rate()
    client = client_as(admin_user)
    url = reverse("subscriptions:rate_delete", args=[rate.pk])
    stale = form_of(client, url)
    edit = reverse("subscriptions:rate_edit", args=[rate.pk])
    client.post(edit, {**form_of(client, edit), "rate": "0.95"})
    refused = client.post(url, stale)
    assert refused.status_code == 409 and ExchangeRate.objects.filter(pk=rate.pk).exists()
    assert client.post(url, form_of(client, url)).status_code == 302
    assert not ExchangeRate.objects.exists()
    assert list(ExchangeRateChange.objects.order_by("pk").values_list("action", "rate_id_value")) == [
        ("updated", rate.pk), ("deleted", rate.pk)]
    history = client.get(reverse("subscriptions:rate_history")).text
    assert "Deleted" in history and "1 USD = 0.95 EUR" in history


def test_changing_the_reporting_currency_keeps_the_rates_against_the_old_one_unused(client_as, admin_user):
    a_rate("USD", "0.92")
    client = client_as(admin_user)
    url = reverse("subscriptions:reporting_currency")
    page = client.get(url).text
    assert "Changing it converts nothing" in page
    assert client.post(url, {**form_of(client, url), "code": "usd"}).status_code == 302
    assert ReportingCurrency.objects.get().code == "USD"
    assert ExchangeRate.objects.get().reporting_currency == "EUR"  # kept as entered, not converted
    rates_page = client.get(reverse("subscriptions:rates")).text
    assert "Rates entered against EUR are kept but not used while the reporting currency is USD" in rates_page
    assert "1 USD = 0.92 EUR" not in rates_page.split("<tbody>")[1]
    change = ExchangeRateChange.objects.get(action="reporting")
    assert (change.old_values, change.new_values, change.changed_by) == (
        {"reporting_currency": "EUR"}, {"reporting_currency": "USD"}, admin_user)


def test_two_admins_changing_the_reporting_currency_the_second_is_refused(admin_user, other_admin):
    from django.test import Client

    url = reverse("subscriptions:reporting_currency")
    first, second = Client(), Client()
    first.force_login(admin_user)
    second.force_login(other_admin)
    read_first, read_second = form_of(first, url), form_of(second, url)
    assert first.post(url, {**read_first, "code": "USD"}).status_code == 302
    refused = second.post(url, {**read_second, "code": "GBP"})
    assert refused.status_code == 409
    assert "Someone else changed the reporting currency" in refused.text and "<dd>USD</dd>" in refused.text
    assert ReportingCurrency.objects.get().code == "USD"


@pytest.mark.parametrize("code", ["", "EU", "EURO", "€€€", "12A"])
def test_a_bad_reporting_currency_is_refused(client_as, admin_user, code):
    client = client_as(admin_user)
    url = reverse("subscriptions:reporting_currency")
    response = client.post(url, {**form_of(client, url), "code": code})
    assert response.status_code == 422 and "errorlist" in response.text
    assert not ReportingCurrency.objects.exists()


def test_every_write_moves_the_rates_revision_on(client_as, admin_user):
    client = client_as(admin_user)
    add(client, currency="USD", rate="0.92", valid_from="2026-01-01")
    first = ReportingCurrency.objects.get().rates_revision
    rate = ExchangeRate.objects.get()
    edit = reverse("subscriptions:rate_edit", args=[rate.pk])
    client.post(edit, {**form_of(client, edit), "rate": "0.9"})
    assert ReportingCurrency.objects.get().rates_revision == first + 1


@pytest.mark.parametrize("name", ["subscriptions:rates", "subscriptions:rate_history", "subscriptions:reporting_currency",
                                  "subscriptions:rate_create"])
def test_only_admins_and_only_while_subscriptions_are_on(client_as, admin_user, manager, partner, name):
    assert client_as(admin_user).get(reverse(name)).status_code == 200
    for user in (manager, partner):
        assert client_as(user).get(reverse(name)).status_code == 404
    Feature.objects.filter(name="subscriptions").update(is_active=False)
    assert client_as(admin_user).get(reverse(name)).status_code == 404


def test_the_settings_page_lists_the_rates_while_subscriptions_are_on(client_as, admin_user):
    client = client_as(admin_user)
    assert reverse("subscriptions:rates") in client.get(reverse("settings_index")).text
    Feature.objects.filter(name="subscriptions").update(is_active=False)
    assert reverse("subscriptions:rates") not in client.get(reverse("settings_index")).text


def test_a_page_past_the_last_is_not_found(client_as, admin_user):
    client = client_as(admin_user)
    assert client.get(reverse("subscriptions:rates"), {"page": "2"}).status_code == 404
    assert client.get(reverse("subscriptions:rate_history"), {"page": "x"}).status_code == 404
