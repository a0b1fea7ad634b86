"""Every table's cells, in each language: localised numbers and dates, links, and a hostile name
escaped wherever it is printed (cells, labels, attributes)."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.db.models import DecimalField, Value

from crm import fields
from crm.models import User
from renewals.models import ColumnPreference, ContractChange
from smartlists.models import SmartList
from subscriptions.models import Period
from subscriptions.summary import refresh_contacts
from tests.factories import ContactFactory, OrganisationFactory, UserFactory
from tests.renewals.factories import (
    AssociationFactory,
    ContractChangeFactory,
    CustomerAccountFactory,
    PartnerOrganisationFactory,
)

TODAY = datetime.date(2026, 11, 22)
HOSTILE = "<b>&\"'"
ESCAPED = "&lt;b&gt;&amp;&quot;&#x27;"
LANGUAGES = ["en", "it", "pt-br"]

# What each language prints for the same values.
TEXT = {
    "en": {"organisation": "Organisation", "person": "Person", "up": "Up", "ending": "Ending", "renewal": "Renewal",
           "pending": "Pending", "monthly": "Monthly", "term": "12 months", "vendor": "Vendor", "partner": "Partner",
           "actions_for": "Actions for {name}", "contact_for": "Primary customer contact for {name}",
           "select": "Select {name}", "select_row": "Select this contact"},
    "it": {"organisation": "Organizzazione", "person": "Persona", "up": "In aumento", "ending": "In scadenza", "renewal": "Rinnovo",
           "pending": "In attesa", "monthly": "Mensile", "term": "12 mesi", "vendor": "Fornitore", "partner": "Partner",
           "actions_for": "Azioni per {name}", "contact_for": "Contatto principale del cliente per {name}",
           "select": "Seleziona {name}", "select_row": "Seleziona questo contatto"},
    "pt-br": {"organisation": "Organização", "person": "Pessoa", "up": "Subindo", "ending": "Terminando", "renewal": "Renovação",
              "pending": "Pendente", "monthly": "Mensal", "term": "12 meses", "vendor": "Fornecedor", "partner": "Parceiro",
              "actions_for": "Ações para {name}", "contact_for": "Contato principal do cliente para {name}",
              "select": "Selecionar {name}", "select_row": "Selecionar este contato"},
}


def day(value: datetime.date, language: str) -> str:
    """SHORT_DATE_FORMAT: "Dec 7, 2026" in English, 07/12/2026 in Italian and Brazilian Portuguese."""
    if language == "en":
        return f"{'JanFebMarAprMayJunJulAugSepOctNovDec'[3 * value.month - 3:3 * value.month]} {value.day}, {value.year}"
    return value.strftime("%d/%m/%Y")


def number(text: str, language: str) -> str:
    return text if language == "en" else text.replace(".", ",")


def grouped(text: str, language: str) -> str:
    """An English number with its thousands grouped ("1,234.50") as the language writes it."""
    return text if language == "en" else text.replace(",", "_").replace(".", ",").replace("_", ".")


def rows(html: str) -> list[list[str]]:
    """The body rows' cells, inner HTML with runs of white space made one space."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    return [
        [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def world(db, monkeypatch):
    # A number column with decimals: no registered field is one, so the test registers it.
    monkeypatch.setitem(fields._fields, "score", fields.ContactField(
        key="score", label="Score", kind="number",
        expression=lambda today: Value(Decimal("-1234.5"), output_field=DecimalField(max_digits=8, decimal_places=1)),
    ))
    with time_machine.travel(datetime.datetime(2026, 11, 22, 10, 0, tzinfo=datetime.UTC), tick=False):
        from crm.models import Feature

        Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": True})
        admin = UserFactory(username="admin", role=User.Role.ADMIN, is_superuser=True, is_staff=True)
        owner = UserFactory(username="owner", first_name="Rex" + HOSTILE, last_name="Rep", role=User.Role.REP)
        org = OrganisationFactory(name="Acme " + HOSTILE, owner=owner, email="a@example.com",
                                  website="https://acme.example/?a=1&b=2")
        person = ContactFactory(name="Zoë " + HOSTILE, owner=owner, organisation=org, email="z@example.com")
        Period.objects.create(contact=org, mrr=Decimal("1234.5"), currency="EUR",
                              start_date=TODAY - datetime.timedelta(days=30), end_date=TODAY + datetime.timedelta(days=40))
        Period.objects.create(contact=org, mrr=Decimal("2000.25"), currency="EUR",
                              start_date=TODAY + datetime.timedelta(days=41))
        Period.objects.create(contact=person, mrr=Decimal("99.99"), currency="USD",
                              start_date=TODAY - datetime.timedelta(days=10), end_date=TODAY + datetime.timedelta(days=10))
        refresh_contacts([org.pk, person.pk], today=TODAY)
        smartlist = SmartList.objects.create(
            owner=admin, name="Every kind", sort="name",
            columns=["name", "kind", "organisation_name", "current_mrr", "current_end", "upcoming_mrr",
                     "upcoming_start", "upcoming_direction", "score"],
        )
        partner = UserFactory(username="partner", role=User.Role.PARTNER)
        customer = CustomerAccountFactory(contact=org, account_id="ACC-" + HOSTILE, website="https://acme.example/?a=1&b=2",
                                          max_contacts=1500000, email_send_limit=25000)
        AssociationFactory(partner=PartnerOrganisationFactory(users=[partner]), customer=customer)
        change = ContractChangeFactory(customer=customer, start_date=TODAY + datetime.timedelta(days=60),
                                       type=ContractChange.Type.RENEWAL, primary_contact=person)
        ColumnPreference.objects.create(user=partner, columns=[
            "primary_contact", "website", "account_id", "start_date", "max_contacts", "email_limit", "billing_frequency", "term",
            "current_mrr", "upcoming_mrr",
        ])
        yield {"admin": admin, "partner": partner, "org": org, "person": person, "smartlist": smartlist,
               "customer": customer, "change": change}


def tick(pk: int, label: str) -> str:
    """A row's bulk-action box, outside the list's form (`form="bulk-form"`) so rows can be swapped."""
    return f'<input type="checkbox" name="ids" value="{pk}" form="bulk-form" data-bulk-row aria-label="{label}">'


def get(client, user, path, language, **headers):
    client.force_login(user)
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language, **headers)
    assert response.status_code == 200
    assert response["Content-Language"] == language
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "partial"])
def test_contact_list(client, world, language, htmx):
    html = get(client, world["admin"], "/contacts/", language, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    org, person = world["org"], world["person"]
    org_link = f'<a href="/contacts/{org.pk}/">Acme {ESCAPED}</a>'
    select = TEXT[language]["select"]
    assert rows(html) == [
        [tick(org.pk, select.format(name=f"Acme {ESCAPED}")), org_link, TEXT[language]["organisation"], "",
         "a@example.com", f"Rex{ESCAPED} Rep"],
        [tick(person.pk, select.format(name=f"Zoë {ESCAPED}")), f'<a href="/contacts/{person.pk}/">Zoë {ESCAPED}</a>',
         TEXT[language]["person"], org_link, "z@example.com", f"Rex{ESCAPED} Rep"],
    ]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "partial"])
def test_smart_list_every_column_kind(client, world, language, htmx):
    path = f"/smartlists/{world['smartlist'].pk}/"
    html = get(client, world["admin"], path, language, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    org, person = world["org"], world["person"]
    select = TEXT[language]["select_row"]
    assert rows(html) == [
        [f'{tick(org.pk, select)} <a href="/contacts/{org.pk}/">Acme {ESCAPED}</a>', TEXT[language]["organisation"], "",
         grouped("1,234.50", language), day(datetime.date(2027, 1, 1), language), grouped("2,000.25", language),
         day(datetime.date(2027, 1, 2), language), TEXT[language]["up"], grouped("-1,234.5", language)],
        # a period in another currency is named, never passed off as the installation's
        [f'{tick(person.pk, select)} <a href="/contacts/{person.pk}/">Zoë {ESCAPED}</a>', TEXT[language]["person"],
         f"Acme {ESCAPED}",
         number("99.99", language) + " USD", day(datetime.date(2026, 12, 2), language), "", "",
         TEXT[language]["ending"], grouped("-1,234.5", language)],
    ]
    assert '<td class="num">' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_partner_dashboard_every_optional_column(client, world, language):
    html = get(client, world["partner"], "/renewals/", language)
    change, customer, person = world["change"], world["customer"], world["person"]
    [row] = rows(html)
    customer_cell, owner_cell, primary_cell, *cells, actions = row
    text = TEXT[language]
    assert customer_cell == f'<a href="/renewals/customers/{customer.pk}/">Acme {ESCAPED}</a>'
    assert owner_cell == text["vendor"]
    # The primary contact is a dropdown in its cell, its name and the label naming the customer escaped.
    assert f'<option value="{person.pk}" selected>Zoë {ESCAPED}</option>' in primary_cell
    assert f'action="/renewals/changes/{change.pk}/primary-contact/"' in primary_cell
    assert f'aria-label="{text["contact_for"].format(name=f"Acme {ESCAPED}")}"' in primary_cell
    assert f'aria-label="{text["actions_for"].format(name=f"Acme {ESCAPED}")}"' in actions
    assert cells == [
        text["renewal"],
        f'<span class="badge status-pending">{text["pending"]}</span>',
        f'<time datetime="2026-12-07">{day(datetime.date(2026, 12, 7), language)}</time>',
        '<a href="https://acme.example/?a=1&amp;b=2" rel="noopener noreferrer">https://acme.example/?a=1&amp;b=2</a>',
        f"ACC-{ESCAPED}",
        f'<time datetime="2027-01-21">{day(datetime.date(2027, 1, 21), language)}</time>',
        grouped("1,500,000", language),
        grouped("25,000", language),
        text["monthly"],
        text["term"],
        grouped("1,234.50", language),
        grouped("2,000.25", language),
    ]
    # Each cell names its column as the header does (a phone shows a row as a card, its header out of sight).
    headers = [h.strip() for h in re.findall(r'<th scope="col"[^>]*>\s*(?:<a [^>]*>)?([^<]*)', html)]
    body = html[html.index("<tbody>"):]
    assert re.findall(r'<td[^>]* data-label="([^"]*)"', body[:body.index("</tr>")]) == headers
    assert len(headers) == 16
    # The row's menu, read when it opens: its dropdown and its translated question, escaped.
    menu = get(client, world["partner"], f"/renewals/changes/{change.pk}/menu/?layout=dashboard", language,
               HTTP_HX_REQUEST="true")
    assert 'action="/renewals/changes/{pk}/communication-owner/"'.format(pk=change.pk) in menu
    confirms = re.findall(r'data-hx-confirm="([^"]*)"', menu)
    assert len(confirms) == 2  # "Customer agreed" and "Cancellation requested"
    for confirm in confirms:
        assert f"Acme {ESCAPED}" in confirm
        assert "'" not in confirm and "<" not in confirm


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_registry_column_reads_the_same_in_the_smart_list_and_the_dashboard(client, world, language, monkeypatch,
                                                                               settings):
    """Issue 22: a field of the registry is declared in one place (`ContactField.shown`, `.numeric`),
    and both tables show it so: the dashboard needs only a column naming it, whatever its kind."""
    from renewals import columns as cols

    settings.CRM_CURRENCY = "USD"  # the customer's euros are named as such, in both tables
    score = cols.Column("score", "Score", "score", contact_field="score")
    monkeypatch.setattr(cols, "COLUMNS", [*cols.COLUMNS, score])
    monkeypatch.setitem(cols.BY_KEY, "score", score)
    ColumnPreference.objects.filter(user=world["partner"]).update(columns=["current_mrr", "upcoming_mrr", "score"])
    expected = [grouped("1,234.50", language) + " EUR", grouped("2,000.25", language) + " EUR",
                grouped("-1,234.5", language)]
    smart_list = get(client, world["admin"], f"/smartlists/{world['smartlist'].pk}/", language)
    organisation = rows(smart_list)[0]
    assert [organisation[3], organisation[5], organisation[8]] == expected
    dashboard = get(client, world["partner"], "/renewals/", language)
    [row] = rows(dashboard)
    assert row[-4:-1] == expected  # before the row's actions
    assert re.search(r'<th scope="col" class="num"[^>]*>\s*<a [^>]*>Score</a>', dashboard)
    assert f'<td data-label="Score" class="num">{expected[2]}</td>' in dashboard  # named, for a phone's card


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_action_answers_the_row_from_the_same_template(client, world, language):
    change = world["change"]
    client.force_login(world["partner"])
    response = client.post(f"/renewals/changes/{change.pk}/communication-owner/",
                           {"owner": "partner", "version": change.version, "layout": "dashboard"},
                           HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="change-{change.pk}"')
    assert re.search(f'<td data-label="[^"]+">{TEXT[language]["partner"]}</td>', html)
    assert f'<a href="/renewals/customers/{world["customer"].pk}/">Acme {ESCAPED}</a>' in html



OF = {"en": "of", "it": "di", "pt-br": "de"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_customer_usage_grouped_on_the_customer_and_contact_pages(client, world, language):
    customer = world["customer"]
    customer.contacts_used, customer.emails_sent_this_month = 1600000, 12345
    customer.save(update_fields=["contacts_used", "emails_sent_this_month"])
    used = f'{grouped("1,600,000", language)} {OF[language]} {grouped("1,500,000", language)}'
    sent = f'{grouped("12,345", language)} {OF[language]} {grouped("25,000", language)}'
    customer_page = get(client, world["partner"], f"/renewals/customers/{customer.pk}/", language)
    contact_page = get(client, world["admin"], f"/contacts/{world['org'].pk}/", language)
    for html in (customer_page, contact_page):
        assert used in html and sent in html
    # Over its limit, the bar is full: its value never passes its max (the Nu checker's error).
    assert '<progress value="1600000" max="1600000"' in customer_page
    assert '<progress value="12345" max="25000"' in customer_page
