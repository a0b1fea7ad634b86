"""The smart list pages speak the viewer's language: no English left in Italian or Portuguese, the
ready-made list's name included, and numbers grouped as each language writes them."""

import html
import re

import pytest
from django.urls import reverse

from smartlists import services
from tests.factories import ContactFactory
from tests.smartlists.conftest import days, period

pytestmark = pytest.mark.django_db


def texts(page: str) -> set[str]:
    """The page's text nodes and the words of its labelling attributes, as a reader meets them."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    found = {html.unescape(t).strip() for t in re.findall(r">([^<]+)<", page)}
    found |= {html.unescape(t).strip() for t in re.findall(r'(?:aria-label|title|placeholder)="([^"]*)"', page)}
    return {t for t in found if t}


@pytest.fixture
def ready_made(rep, subscriptions_on, compiled_catalogues):
    big = ContactFactory(owner=rep, name="Big Customer")
    period(big, "12345.50", days(-10), days(20))
    period(big, "13000.00", days(40))
    return services.smartlist_ready_made(owner=rep)  # made (and named) in English


def pages(sl):
    return [
        sl.get_absolute_url(),
        sl.get_absolute_url() + "?sort=-current_mrr&direction=",
        reverse("smartlists:index"),
        reverse("smartlists:edit", args=[sl.pk]),
        reverse("smartlists:delete", args=[sl.pk]),
        reverse("smartlists:create"),
    ]


# The same in all three languages: names, codes, data, and words Italian or Portuguese write as English does.
SAME = {"Big Customer", "EUR", "MRR", "CSV", "E-mail", "Tag", "Pipeline", "English", "italiano", "Português Brasileiro",
        "↑", "↓", "×", "▲", "▼", "*", "Menu", "Total", "Tags"}


@pytest.mark.parametrize("language", ["it", "pt-br"])
@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_no_english_left_on_the_smart_list_pages(client_as, rep, ready_made, language, how):
    client = client_as(rep)
    for path in pages(ready_made):
        # English first: whatever is built once per process is built in English.
        english = client.get(path)
        assert english.status_code == 200, path
        if how == "cookie":
            client.cookies["django_language"] = language
            translated = client.get(path)
            del client.cookies["django_language"]
        else:
            translated = client.get(path, headers={"Accept-Language": language})
        assert translated["Content-Language"] == language
        english_texts = {t for t in texts(english.text) - SAME if re.search(r"[A-Za-z]{2}", t)}
        english_texts -= {str(rep), rep.username, rep.get_full_name()}
        left = english_texts & texts(translated.text)
        assert left == set(), f"{path} in {language}: {sorted(left)}"


@pytest.mark.parametrize(
    ("language", "name", "mrr_from", "any_status"),
    [
        ("en", "Subscriptions ending in the next 90 days, not renewed", "Current MRR from", "Any"),
        ("it", "Abbonamenti in scadenza nei prossimi 90 giorni, non rinnovati", "MRR attuale da", "Qualsiasi"),
        ("pt-br", "Assinaturas que terminam nos próximos 90 dias, não renovadas", "MRR atual de", "Qualquer"),
    ],
)
def test_the_ready_made_list_and_its_filters_in_each_language(client_as, rep, ready_made, language, name, mrr_from,
                                                               any_status):
    client = client_as(rep)
    client.get(ready_made.get_absolute_url())  # built in English first
    page = client.get(ready_made.get_absolute_url(), headers={"Accept-Language": language}).text
    assert f"<h1>{name}</h1>" in html.unescape(page)
    assert f'<label for="id_current_mrr_min">{mrr_from}</label>' in page
    assert f'<option value="" selected>{any_status}</option>' in page
    assert "---------" not in page
    index = client.get(reverse("smartlists:index"), headers={"Accept-Language": language}).text
    assert f">{name}</a>" in html.unescape(index)
    edit = client.get(reverse("smartlists:edit", args=[ready_made.pk]), headers={"Accept-Language": language}).text
    assert f'value="{name}"' in html.unescape(edit)


def test_a_renamed_ready_made_list_keeps_its_owners_name(client_as, rep, ready_made):
    ready_made.name = "My renewals"
    ready_made.save()
    page = client_as(rep).get(ready_made.get_absolute_url(), headers={"Accept-Language": "it"}).text
    assert "<h1>My renewals</h1>" in page


def test_a_ready_made_list_made_in_italian_reads_in_english_for_an_english_viewer(client_as, rep, ready_made):
    ready_made.name = "Abbonamenti in scadenza nei prossimi 90 giorni, non rinnovati"
    ready_made.save()
    page = client_as(rep).get(ready_made.get_absolute_url()).text
    assert "<h1>Subscriptions ending in the next 90 days, not renewed</h1>" in page


@pytest.mark.parametrize(
    ("language", "mrr", "total", "count_cap"),
    [("en", "12,345.50", "12,345.50 EUR", "1,000"), ("it", "12.345,50", "12.345,50 EUR", "1.000"),
     ("pt-br", "12.345,50", "12.345,50 EUR", "1.000")],
)
def test_numbers_are_grouped_as_the_language_writes_them(client_as, rep, ready_made, settings, language, mrr, total,
                                                         count_cap):
    settings.CRM_CURRENCY = "EUR"
    client = client_as(rep)
    page = client.get(ready_made.get_absolute_url(), headers={"Accept-Language": language}).text
    row = page.split(">Big Customer<")[1].split("</tr>")[0]
    assert f'<td class="num">{mrr}</td>' in row
    footer = page.split("<tfoot>")[1]
    assert f"<strong>{total}</strong>" in footer


@pytest.mark.parametrize(
    ("language", "kept", "amount"),
    [("en", "which is switched off: it still applies, as the list saved it.", "1,234.5"),
     ("it", "che è disattivata: si applica ancora, come la lista lo ha salvato.", "1.234,5"),
     ("pt-br", "que está desativado: ele continua valendo, como a lista o salvou.", "1.234,5")],
)
def test_a_kept_filter_of_a_switched_off_feature_in_each_language(client_as, rep, ready_made, language, kept, amount):
    from crm.models import Feature

    ready_made.query = "current_mrr_min=1234.5"
    ready_made.save()
    Feature.objects.filter(name="subscriptions").update(is_active=False)
    page = client_as(rep).get(ready_made.get_absolute_url(), headers={"Accept-Language": language}).text
    locked = page.split('class="kept-filter"')[1].split("</li>")[0]
    assert kept in locked and f"<strong>{amount}</strong>" in locked
