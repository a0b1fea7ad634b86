"""The pipeline report as JSON: the page's figures, owners and rules."""

import datetime

import pytest

from crm.models import Feature
from tests.subscriptions.test_pages import DAY, TODAY, book, team  # noqa: F401 (fixture)

URL = "/api/v1/pipeline/"


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


def test_a_reps_pipeline_reconciles_as_the_pages(api_as, rep):
    end = TODAY + 20 * DAY
    book(
        rep,
        ("100", end, "150", 0, "EUR"),  # expansion 50
        ("200", end, "150", 0, "EUR"),  # contraction 50
        ("300", end, None, 0, "EUR"),  # churn 300, ending within 30 days
        ("400", None, None, 0, "EUR"),  # open-ended, no movement
        (None, None, "70", 3, "EUR"),  # new 70
        ("50", TODAY + 45 * DAY, "60", 10, "EUR"),  # churn 50 then reactivation 60; ending within 60
        ("999", end, "999", 0, "USD"),  # other currency: its own section
    )
    response = api_as(rep).get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["as_of"], body["currency"]) == ("2026-11-22", "EUR")
    euros, dollars = body["sections"]
    [row] = euros["owners"]
    assert row["owner"] == {"id": rep.pk, "name": str(rep)}
    assert (row["current"], row["upcoming"]) == ("1050.00", "830.00")
    assert row["movements"] == {"new": "70.00", "expansion": "50.00", "reactivation": "60.00",
                                "contraction": "50.00", "churn": "350.00"}
    assert row["ending"] == {"30": "300.00", "60": "350.00", "90": "350.00"}
    assert euros["total"]["current"] == "1050.00"
    assert dollars["currency"] == "USD" and dollars["total"]["current"] == "999.00"
    assert body["ending_count"] == 2 and [e["current_end"] for e in body["ending_soon"]][:1] == [end.isoformat()]


def test_a_managers_pipeline_has_a_row_per_rep_and_not_another_teams(api_as, manager, team, outsider):
    rep, rep2 = team
    book(rep, ("100", None, None, 0, "EUR"))
    book(rep2, ("200", TODAY + 10 * DAY, "260", 0, "EUR"))
    book(outsider, ("5000", None, None, 0, "EUR"))
    [euros] = api_as(manager).get(URL).json()["sections"]
    by_name = {row["owner"]["id"]: row for row in euros["owners"]}
    assert by_name[rep.pk]["current"] == "100.00" and by_name[rep2.pk]["movements"]["expansion"] == "60.00"
    assert euros["total"]["current"] == "300.00" and euros["total"]["upcoming"] == "360.00"
    assert outsider.pk not in by_name


def test_another_day_and_a_day_refused(api_as, rep):
    book(rep, ("100", TODAY + 20 * DAY, None, 0, "EUR"))
    api = api_as(rep)
    later = api.get(URL, {"as_of": "2026-12-31"}).json()
    assert later["as_of"] == "2026-12-31" and later["sections"][0]["total"]["current"] == "0.00"
    for value in ("2026-02-30", "9999-12-31", "yesterday"):
        response = api.get(URL, {"as_of": value})
        assert response.status_code == 400 and list(response.json()["errors"]) == ["as_of"], value
    assert api.get(URL, {"owner": "1"}).status_code == 400


def test_only_vendor_staff_while_subscriptions_is_on(api_as, admin_user, rep, partner):
    assert api_as(admin_user).get(URL).status_code == 200
    assert api_as(partner).get(URL).status_code == 404
    Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": False})
    assert api_as(rep).get(URL).status_code == 404
