"""Subscription data survives the feature toggle and every migration.

- Twenty off/on cycles through Settings leave every subscription row, audit row, smart list
  column and renewals MRR column choice exactly as it was (one checksum), and while the feature
  is off the columns a list already has stay in its page and its export.
- No migration of any app deletes subscription data: none removes the period tables or their
  fields, and no SQL or Python step deletes, truncates or drops them; applying every migration
  forward on a database that holds periods keeps them all, value for value.
"""

import datetime
import hashlib
import inspect
import json
import re

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, migrations
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from crm import features
from renewals.models import ColumnPreference
from smartlists.models import SmartList
from subscriptions import services
from subscriptions.models import Period, PeriodChange
from tests.factories import ContactFactory

CUSTOMIZE = reverse("customize_feature", args=["subscriptions"])
SUBSCRIPTION_TABLES = ("subscriptions_period", "subscriptions_periodchange")


def checksum() -> str:
    """Every column of every period, audit row, smart list and renewals column choice."""
    rows = {
        "periods": list(Period.objects.order_by("pk").values()),
        "changes": list(PeriodChange.objects.order_by("pk").values()),
        "smartlists": list(SmartList.objects.order_by("pk").values()),
        "renewal_columns": list(ColumnPreference.objects.order_by("pk").values()),
    }
    return hashlib.sha256(json.dumps(rows, cls=DjangoJSONEncoder, sort_keys=True).encode()).hexdigest()


@pytest.fixture
def subscription_world(admin_user, rep, partner, settings, tmp_path):
    from tests.renewals.factories import AssociationFactory, ContractChangeFactory, PartnerOrganisationFactory

    settings.MEDIA_ROOT = tmp_path
    features.feature_set_active(name="subscriptions", active=True, by=admin_user)
    org = ContactFactory(owner=rep, name="Toggle Org", kind="organisation")
    for start, mrr in ((datetime.date(2025, 1, 1), "100.00"), (datetime.date(2026, 1, 1), "150.00")):
        services.period_change(contact=org, by=rep, data={
            "currency": "EUR", "mrr": mrr, "start_date": start, "end_date": None, "term_months": None,
            "description": "", "price": None, "billing_frequency": "", "billing_every_months": None,
        })
    smartlist = SmartList.objects.create(owner=rep, name="MRR list", columns=["name", "current_mrr", "upcoming_mrr"],
                                         query="q=Toggle")
    customer = AssociationFactory(partner=PartnerOrganisationFactory(users=[partner]), customer__contact=org).customer
    ContractChangeFactory(customer=customer, start_date=datetime.date.today() + datetime.timedelta(days=30))
    ColumnPreference.objects.create(user=partner, columns=["current_mrr", "upcoming_mrr", "website"])
    return {"org": org, "smartlist": smartlist}


def test_twenty_off_on_cycles_keep_every_subscription_row_and_column(client, admin_user, rep, partner,
                                                                     subscription_world):
    smartlist = subscription_world["smartlist"]
    before = checksum()
    admin, staff, reseller = client, type(client)(), type(client)()
    admin.force_login(admin_user)
    staff.force_login(rep)
    reseller.force_login(partner)
    for cycle in range(20):
        assert admin.post(CUSTOMIZE, {"active": "0"}).status_code == 302
        assert not features.is_active("subscriptions")
        if cycle in (0, 19):  # columns a list already has stay, in the page and in the export
            page = staff.get(smartlist.get_absolute_url())
            assert page.status_code == 200 and "Current MRR" in page.text and "150.00" in page.text
            export = b"".join(staff.get(reverse("smartlists:export", args=[smartlist.pk])).streaming_content)
            assert export.decode().splitlines()[:2] == ["Name,Current MRR,Upcoming MRR", "Toggle Org,150.00,"]
            # the partner's chosen MRR columns leave the dashboard while the feature is off (issue 13);
            # the saved choice stays, in the checksum below, and they come back with the feature
            dashboard = reseller.get(reverse("renewals:dashboard"))
            assert dashboard.status_code == 200 and "Estimated new MRR" not in dashboard.text
        assert checksum() == before
        assert admin.post(CUSTOMIZE, {"active": "1"}).status_code == 302
        assert features.is_active("subscriptions")
    assert checksum() == before
    assert "150.00 EUR" in staff.get(subscription_world["org"].get_absolute_url()).text
    assert "Estimated new MRR" in reseller.get(reverse("renewals:dashboard")).text


# Migrations ------------------------------------------------------------------------------------------

PROJECT_APPS = ("crm", "subscriptions", "renewals", "smartlists")
DESTRUCTIVE_SQL = re.compile(r"\b(DELETE\s+FROM|TRUNCATE|DROP\s+TABLE|DROP\s+COLUMN)\b", re.IGNORECASE)


def _operations():
    for (app, name), migration in MigrationLoader(None, ignore_no_migrations=True).disk_migrations.items():
        if app in PROJECT_APPS:
            yield f"{app}.{name}", migration.operations


def _touches_subscriptions(text: str) -> bool:
    return any(table in text for table in SUBSCRIPTION_TABLES) or "Period" in text


def test_no_migration_removes_or_deletes_subscription_data():
    found = []
    for label, operations in _operations():
        for operation in operations:
            if isinstance(operation, migrations.DeleteModel | migrations.RemoveField):
                model = getattr(operation, "model_name", None) or operation.name
                if label.startswith("subscriptions.") or model.lower() in ("period", "periodchange"):
                    found.append((label, operation.describe()))
            elif isinstance(operation, migrations.RunSQL):
                if DESTRUCTIVE_SQL.search(str(operation.sql)) and _touches_subscriptions(str(operation.sql)):
                    found.append((label, operation.sql))
            elif isinstance(operation, migrations.RunPython):
                source = inspect.getsource(operation.code)
                if (".delete(" in source or DESTRUCTIVE_SQL.search(source)) and _touches_subscriptions(source):
                    found.append((label, operation.code.__name__))
    assert found == []
    assert sum(1 for _ in _operations()) >= 5  # the scan saw the project's migrations


@pytest.mark.django_db(transaction=True)
def test_applying_every_migration_forward_keeps_every_period():
    """From the first migration of each app (periods exist from subscriptions 0001) to the latest,
    with periods in the database: not one row or value changes."""
    executor = MigrationExecutor(connection)
    first = [(app, name) for app, name in sorted(executor.loader.disk_migrations) if app in PROJECT_APPS
             and name.startswith("0001")]
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(first)
        old = MigrationExecutor(connection).loader.project_state(first).apps
        User, Contact = old.get_model("crm", "User"), old.get_model("crm", "Contact")
        Period = old.get_model("subscriptions", "Period")
        owner = User.objects.create(username="migrating", role="rep")
        contact = Contact.objects.create(owner=owner, name="Kept", kind="person")
        for year in range(2018, 2026):
            Period.objects.create(contact=contact, mrr=f"{year - 2000}.50", currency="EUR",
                                  start_date=datetime.date(year, 1, 1), end_date=datetime.date(year, 12, 31),
                                  description=f"year {year}")
        columns = [field.column for field in Period._meta.concrete_fields]
        before = _rows(columns)
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        assert _rows(columns) == before and len(before) == 8
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _rows(columns):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM subscriptions_period ORDER BY id")
        return [tuple(str(value) for value in row) for row in cursor.fetchall()]
