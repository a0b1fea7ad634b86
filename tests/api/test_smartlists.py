"""Smart lists through the API: the lists one may open, and a list's rows as its page shows them,
its columns as typed JSON, read page after page."""

import datetime
from decimal import Decimal

import pytest

from crm.models import Feature
from smartlists.models import SmartList
from subscriptions.models import Period
from tests.factories import ContactFactory

LISTS = "/api/v1/smartlists/"
D = datetime.date


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


def rows_url(smartlist) -> str:
    return f"/api/v1/smartlists/{smartlist.pk}/rows/"


def test_each_person_lists_their_own_lists_and_their_teams_shared_ones(api_as, admin_user, manager, rep, outsider,
                                                                        partner):
    SmartList.objects.create(owner=rep, name="Rep shared", shared=True)
    SmartList.objects.create(owner=rep, name="Rep private")
    SmartList.objects.create(owner=outsider, name="Outsider shared", shared=True)

    def names(user):
        response = api_as(user).get(LISTS)
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert names(rep) == ["Rep private", "Rep shared"]
    assert names(manager) == ["Rep shared"]
    assert names(outsider) == ["Outsider shared"]
    assert names(admin_user) == ["Outsider shared", "Rep private", "Rep shared"]
    assert api_as(partner).get(LISTS).status_code == 404


def test_a_list_says_its_columns_filters_sort_and_where_its_rows_and_csv_are(api_as, rep):
    smartlist = SmartList.objects.create(owner=rep, name="Ending", query="ends_within_days=90", sort="-current_mrr",
                                         columns=["name", "current_mrr", "upcoming_direction"])
    [row] = api_as(rep).get(LISTS).json()["results"]
    assert row["filters"] == "ends_within_days=90" and row["sort"] == "-current_mrr"
    assert [(c["key"], c["kind"]) for c in row["columns"]] == [("name", "text"), ("current_mrr", "money"),
                                                               ("upcoming_direction", "choice")]
    assert {"value": "up", "label": "Up"} in row["columns"][2]["choices"]
    assert row["rows_url"] == f"http://testserver{rows_url(smartlist)}"
    assert row["csv_url"] == f"http://testserver/smartlists/{smartlist.pk}/export.csv"


def test_lists_come_in_cursor_pages(api_as, rep):
    for name in ("C", "A", "B"):
        SmartList.objects.create(owner=rep, name=name)
    api = api_as(rep)
    first = api.get(LISTS, {"limit": 2}).json()
    second = api.get(first["next"].removeprefix("http://testserver")).json()
    assert [row["name"] for row in first["results"] + second["results"]] == ["A", "B", "C"]
    assert second["next"] is None


def test_rows_are_the_lists_page_rows_with_typed_values(api_as, rep, outsider):
    ada = ContactFactory(owner=rep, name="Ada", email="ada@example.com")
    Period.objects.create(contact=ada, mrr=Decimal("120.50"), start_date=D(2026, 1, 1), end_date=D(2026, 12, 31))
    Period.objects.create(contact=ada, mrr=Decimal("99.00"), currency="USD", start_date=D(2027, 1, 1))
    ContactFactory(owner=rep, name="Bob")
    ContactFactory(owner=outsider, name="Olga")  # not the rep's: never a row of theirs
    smartlist = SmartList.objects.create(
        owner=rep, name="All", columns=["name", "email", "current_mrr", "current_end", "upcoming_mrr",
                                        "upcoming_direction"])
    response = api_as(rep).get(rows_url(smartlist))
    assert response.status_code == 200, response.content
    first, second = response.json()["results"]
    assert first == {
        "id": ada.pk, "url": f"http://testserver/api/v1/contacts/{ada.pk}/", "name": "Ada", "email": "ada@example.com",
        "current_mrr": "120.50", "current_mrr_currency": "EUR", "current_end": "2026-12-31",
        "upcoming_mrr": "99.00", "upcoming_mrr_currency": "USD", "upcoming_direction": "currency",
    }
    assert second["name"] == "Bob" and second["current_mrr"] is None and second["current_end"] is None
    assert response.json()["next"] is None


def test_rows_follow_the_lists_saved_filters_and_sort_in_cursor_pages(api_as, rep):
    for i, mrr in enumerate(["10.00", "30.00", "20.00", "30.00", None]):
        contact = ContactFactory(owner=rep, name=f"C{i}")
        if mrr:
            Period.objects.create(contact=contact, mrr=Decimal(mrr), start_date=D(2026, 1, 1), end_date=D(2026, 12, 31))
    smartlist = SmartList.objects.create(owner=rep, name="By MRR", query="current_mrr_min=15&currency=EUR",
                                         sort="-current_mrr", columns=["name", "current_mrr"])
    api, seen = api_as(rep), []
    page = api.get(rows_url(smartlist), {"limit": 1}).json()
    while True:
        seen += [(row["current_mrr"], row["name"]) for row in page["results"]]
        if page["next"] is None:
            break
        page = api.get(page["next"].removeprefix("http://testserver")).json()
    assert seen == [("30.00", "C1"), ("30.00", "C3"), ("20.00", "C2")]


def test_a_manager_reads_a_shared_list_with_their_own_rows(api_as, manager, rep):
    ContactFactory(owner=rep, name="Team row")
    ContactFactory(owner=manager, name="Manager row")
    smartlist = SmartList.objects.create(owner=rep, name="Shared", shared=True, columns=["name"])
    assert [row["name"] for row in api_as(manager).get(rows_url(smartlist)).json()["results"]] == [
        "Manager row", "Team row"]
    assert [row["name"] for row in api_as(rep).get(rows_url(smartlist)).json()["results"]] == ["Team row"]


def test_a_list_one_may_not_open_is_not_found(api_as, rep, outsider, partner):
    private = SmartList.objects.create(owner=rep, name="Private")
    assert api_as(outsider).get(rows_url(private)).status_code == 404
    assert api_as(partner).get(rows_url(private)).status_code == 404
    assert api_as(rep).get("/api/v1/smartlists/999999/rows/").status_code == 404


def test_bad_page_parameters_are_refused(api_as, rep):
    smartlist = SmartList.objects.create(owner=rep, name="L", sort="current_end", columns=["name", "current_end"])
    api = api_as(rep)
    for params, field in [({"after": "not-a-cursor"}, "after"), ({"after": "WyJub3QgYSBkYXRlIiwxXQ"}, "after"),
                          ({"limit": "0"}, "limit"), ({"kind": "person"}, "kind")]:
        response = api.get(rows_url(smartlist), params)
        assert response.status_code == 400, params
        assert list(response.json()["errors"]) == [field], params


def test_a_column_of_a_switched_off_feature_stays_as_on_the_page(api_as, rep):
    contact = ContactFactory(owner=rep, name="Ada")
    Period.objects.create(contact=contact, mrr=Decimal("10.00"), start_date=D(2026, 1, 1))
    smartlist = SmartList.objects.create(owner=rep, name="L", columns=["name", "current_mrr"])
    Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": False})
    [row] = api_as(rep).get(rows_url(smartlist)).json()["results"]
    assert row["current_mrr"] == "10.00"


@pytest.mark.parametrize("rows", [3, 120])
def test_rows_read_a_constant_number_of_queries(api_as, rep, rows, django_assert_max_num_queries):
    smartlist = SmartList.objects.create(owner=rep, name="L", columns=["name", "owner_name", "current_mrr", "tags_text"])
    for i in range(rows):
        ContactFactory(owner=rep, name=f"N{i:03}")
    api = api_as(rep)
    api.get(rows_url(smartlist))
    for limit in (5, 100):
        # the token, the list, whether the stored figures are today's, the people the owner filter
        # offers (the list's FilterSet reads them), the rows
        with django_assert_max_num_queries(5):
            assert len(api.get(rows_url(smartlist), {"limit": limit}).json()["results"]) == min(limit, rows)
