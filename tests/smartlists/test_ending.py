"""One meaning of "ending": the current period ends within the window and nothing follows it
directly. The smart list filter (`ends_within_days`), the pipeline's ending figures and the
ready-made list all read it; a renewal without a gap is not ending, a lapse is."""

import re

import pytest
from django.urls import reverse

from smartlists.models import SmartList
from subscriptions.pipeline import build_report
from subscriptions.summary import rebuild
from tests.factories import ContactFactory, UserFactory
from tests.smartlists.conftest import TODAY, days, period, smartlist
from tests.smartlists.test_smartlists import detail, names

pytestmark = pytest.mark.django_db

# name: [(start, end)] of its periods, and whether it is ending within 90 days
CASES = {
    "Ends, nothing follows": ([(-10, 80)], True),
    "Ends today": ([(-10, 0)], True),
    "Renewed without a gap": ([(-100, 30), (31, 400)], False),
    "Renewed from tomorrow": ([(-100, 0), (1, 400)], False),
    "Lapses, then back": ([(-100, 30), (45, 400)], True),
    "Open-ended": ([(-100, None)], False),
    "Ends after the window": ([(-10, 120)], False),
    "Ended yesterday": ([(-100, -1)], False),
}


@pytest.fixture
def cases(rep, subscriptions_on):
    for name, (spans, _) in CASES.items():
        contact = ContactFactory(owner=rep, name=name)
        for start, end in spans:
            period(contact, "100.00", days(start), None if end is None else days(end))


ENDING = sorted(name for name, (_, ending) in CASES.items() if ending)


@pytest.mark.parametrize("stored", [False, True], ids=["definitions", "stored"])
def test_the_filter_and_the_pipeline_mean_the_same_ending(client_as, rep, cases, stored):
    if stored:
        rebuild(today=TODAY)
    sl = smartlist(rep, columns=["name", "current_end"])
    assert sorted(names(client_as(rep).get(detail(sl, "ends_within_days=90")))) == ENDING
    report = build_report([rep.pk], [rep], currency="EUR", today=TODAY)
    assert sorted(row["name"] for row in report.ending()) == ENDING


def test_the_ready_made_list_says_what_it_shows(client_as, rep, cases):
    client = client_as(rep)
    assert "Subscriptions ending in the next 90 days, not renewed" in client.get(reverse("smartlists:index")).text
    response = client.post(reverse("smartlists:ready_made"))
    ready = SmartList.objects.get(owner=rep)
    assert ready.name == "Subscriptions ending in the next 90 days, not renewed"
    assert names(client.get(response.url)) == ["Ends today", "Lapses, then back", "Ends, nothing follows"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_existing_ready_made_lists_in_their_language():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("smartlists", "0003_smartlist_version")]
    after = [("smartlists", "0004_rename_ready_made_ending_list")]
    try:
        MigrationExecutor(connection).migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps.get_model("smartlists", "SmartList")
        for i, (name, preset) in enumerate([
            ("Subscriptions ending in the next 90 days", "ending_90"),
            ("Abbonamenti in scadenza nei prossimi 90 giorni", "ending_90"),
            ("Assinaturas que terminam nos próximos 90 dias", "ending_90"),
            ("Renewals to chase", "ending_90"),  # its owner renamed it: left alone
            ("Subscriptions ending in the next 90 days", ""),  # a list of the owner's own making
        ]):
            owner = UserFactory(username=f"owner-{i}")  # one ready-made list per owner
            old.objects.create(owner_id=owner.pk, name=name, preset=preset, columns=["name"])
        MigrationExecutor(connection).migrate(after)
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert sorted(SmartList.objects.values_list("name", "preset")) == [
        ("Abbonamenti in scadenza nei prossimi 90 giorni, non rinnovati", "ending_90"),
        ("Assinaturas que terminam nos próximos 90 dias, não renovadas", "ending_90"),
        ("Renewals to chase", "ending_90"),
        ("Subscriptions ending in the next 90 days", ""),
        ("Subscriptions ending in the next 90 days, not renewed", "ending_90"),
    ]


# The same meaning on the contact's widget (its MRR status), in the pipeline and in the ready-made list.

STATUS_CASES = {
    "Renewed in 30 days": [(-100, 30), (31, 400)],  # followed directly: a renewal, not ending
    "Ends in 30 days": [(-100, 30)],  # nothing follows: ending
    "Lapses in 30 days, back later": [(-100, 30), (45, 400)],  # nothing follows directly: ending
}


def widget_says_ending(client, contact) -> bool:
    page = client.get(contact.get_absolute_url()).text
    summary = page[page.index('id="subscription-summary"'):page.index('id="subscription-periods"')]
    return '<span class="badge badge-warn">ending</span>' in summary


def pipeline_ending(client) -> list[str]:
    page = client.get(reverse("subscriptions:pipeline")).text
    return sorted(re.findall(r'<td>(?:<input [^>]*> )?<a href="/contacts/\d+/">([^<]*)</a></td>', page.split('id="ending-heading"')[1]))


@pytest.mark.parametrize("stored", [False, True], ids=["definitions", "stored"])
def test_one_meaning_of_ending_on_the_widget_in_the_pipeline_and_in_the_ready_made_list(client_as, rep, subscriptions_on, stored):
    contacts = {}
    for name, spans in STATUS_CASES.items():
        contacts[name] = ContactFactory(owner=rep, name=name)
        for start, end in spans:
            period(contacts[name], "100.00", days(start), days(end))
    if stored:
        rebuild(today=TODAY)
    ending = ["Ends in 30 days", "Lapses in 30 days, back later"]
    client = client_as(rep)
    assert {name: widget_says_ending(client, contact) for name, contact in contacts.items()} == {
        "Renewed in 30 days": False, "Ends in 30 days": True, "Lapses in 30 days, back later": True,
    }
    assert pipeline_ending(client) == ending
    ready_made = client.post(reverse("smartlists:ready_made")).url
    assert sorted(names(client.get(ready_made))) == ending
    # The MRR status column says the same, and filters the same.
    sl = smartlist(rep, columns=["name", "upcoming_direction"])
    assert sorted(names(client.get(detail(sl, "direction=ending")))) == ending
