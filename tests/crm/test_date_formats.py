"""One short and one long date per language (issue 24): every date a page shows is written in one
of the two, a table, a list or a widget never mixes them, and a sentence ("As of …") has the long one.

The expected texts are spelled out here, not asked of Django, so that a format changed by mistake
(or Django's "12/31/2026" and "Dec. 31, 2026" coming back) fails."""

import datetime
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from renewals.models import ColumnPreference, ContractChange
from smartlists.models import SmartList
from subscriptions.models import Period
from tests.factories import ContactFactory
from tests.renewals.conftest import make_customer
from tests.renewals.factories import ContractChangeFactory, PartnerOrganisationFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "pt-br": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
}
MONTHS = {language: [""] + names.split() for language, names in MONTHS.items()}


def short(day: datetime.date, language: str) -> str:
    """"Dec 31, 2026" in English (no reader takes it for the 12th of the 31st month), 31/12/2026 in Italian
    and Brazilian Portuguese."""
    if language == "en":
        return f"{MONTHS['en'][day.month][:3]} {day.day}, {day.year}"
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def long(day: datetime.date, language: str) -> str:
    """"December 31, 2026", "31 dicembre 2026", "31 de dezembro de 2026": no leading zero on the day."""
    month = MONTHS[language][day.month]
    return {"en": f"{month} {day.day}, {day.year}", "it": f"{day.day} {month} {day.year}",
            "pt-br": f"{day.day} de {month} de {day.year}"}[language]


_MONTH_WORDS = "|".join(
    sorted({name[:n] for names in MONTHS.values() for name in names[1:] for n in (3, len(name))}, key=len, reverse=True)
)
# Anything a reader would take for a day: numbers with slashes, dots or dashes (an ISO date included),
# or a month's name or abbreviation next to a day of the month. A month and year alone ("dic 2026" on
# a chart's axis, "December 2026" in the history) is a month, not a day.
LOOKS_LIKE_A_DAY = re.compile(
    rf"\b\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b|\b(?:{_MONTH_WORDS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\s+(?:de\s+)?(?:{_MONTH_WORDS})\b",
    re.IGNORECASE,
)


def text_of(page: str) -> str:
    """What a reader sees (and a screen reader reads): the text, without tags or their attributes (a
    `<time datetime>` or an `<input type=date>` value is ISO, for machines)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def formats_used(text: str, days: set[datetime.date], language: str) -> set[str]:
    """Which of the two formats `text` writes its days in. Fails on a day written any other way."""
    used = set()
    for name, written in (("short", short), ("long", long)):
        for day in days:
            if written(day, language) in text:
                used.add(name)
                text = text.replace(written(day, language), " ")
    leftovers = LOOKS_LIKE_A_DAY.findall(text)
    assert not leftovers, f"dates in neither the short nor the long format: {leftovers}"
    return used


def get(client, url, language):
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.text


LANGUAGES = ["en", "it", "pt-br"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_subscriptions_widget_writes_every_day_in_the_short_format(client_as, rep, subscriptions_on, language):
    # Days past the 12th: a day and a month the wrong way round cannot pass for each other.
    contact = ContactFactory(owner=rep, name="Dora Dates")
    spans = [(datetime.date(2025, 3, 15), datetime.date(2026, 1, 14)),  # history
             (datetime.date(2026, 1, 15), datetime.date(2027, 1, 14)),  # current
             (datetime.date(2027, 1, 15), datetime.date(2027, 7, 14))]  # upcoming
    for i, (start, end) in enumerate(spans):
        Period.objects.create(contact=contact, mrr=Decimal(100 + i), start_date=start, end_date=end)
    page = get(client_as(rep), contact.get_absolute_url(), language)
    widget = page[page.index('<article id="subscriptions-panel"'):]
    widget = widget[:widget.index("</article>")]
    days = {day for span in spans for day in span}
    assert short(datetime.date(2027, 1, 14), language) in text_of(widget)  # the current period's end
    assert formats_used(text_of(widget), days, language) == {"short"}
    assert formats_used(text_of(page), days | {TODAY}, language) == {"short"}  # "Updated" too


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_renewals_dashboard_writes_its_days_and_times_in_the_short_format(client_as, rep, partner, language):
    customer = make_customer("Helix Labs", rep, PartnerOrganisationFactory(users=[partner]))
    agreed_at = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)
    change = ContractChangeFactory(customer=customer, start_date=datetime.date(2027, 1, 31), agreed_at=agreed_at,
                                   agreed_by=rep)
    ColumnPreference.objects.create(user=partner, columns=["start_date"])
    deadline = ContractChange.objects.with_status(today=TODAY).get(pk=change.pk).deadline
    assert deadline == datetime.date(2026, 12, 17)
    page = text_of(get(client_as(partner), reverse("renewals:dashboard"), language))
    for day in (deadline, change.start_date, agreed_at.date()):
        assert short(day, language) in page
    assert formats_used(page, {deadline, change.start_date, agreed_at.date()}, language) == {"short"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_smart_list_writes_its_date_columns_in_the_short_format(client_as, rep, subscriptions_on, language):
    ends, returns = datetime.date(2027, 2, 13), datetime.date(2027, 3, 15)
    contact = ContactFactory(owner=rep, name="Lars Lapse")
    Period.objects.create(contact=contact, mrr=Decimal("50"), start_date=datetime.date(2026, 1, 14), end_date=ends)
    Period.objects.create(contact=contact, mrr=Decimal("60"), start_date=returns, end_date=None)
    smartlist = SmartList.objects.create(owner=rep, name="Dates", columns=["name", "current_end", "upcoming_start"])
    page = text_of(get(client_as(rep), reverse("smartlists:detail", args=[smartlist.pk]), language))
    assert short(ends, language) in page and short(returns, language) in page
    assert formats_used(page, {ends, returns}, language) == {"short"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_as_of_is_a_sentence_with_the_long_format_and_the_pipeline_s_table_has_the_short_one(
        client_as, manager, rep, subscriptions_on, language):
    ends, returns = datetime.date(2026, 12, 14), datetime.date(2027, 1, 20)
    contact = ContactFactory(owner=rep, name="Pia Pause")
    Period.objects.create(contact=contact, mrr=Decimal("70"), start_date=datetime.date(2026, 1, 15), end_date=ends)
    Period.objects.create(contact=contact, mrr=Decimal("70"), start_date=returns, end_date=None)
    page = text_of(get(client_as(manager), reverse("subscriptions:pipeline"), language))
    as_of = {"en": "As of", "it": "Al", "pt-br": "Em"}[language]
    assert re.search(rf"{as_of}\s+{re.escape(long(TODAY, language))}:", page), page
    assert short(ends, language) in page and short(returns, language) in page
    assert formats_used(page, {TODAY, ends, returns}, language) == {"short", "long"}
