import datetime
import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.core.management import call_command
from django.db import connection

from crm import features
from crm.models import Contact, FeatureChange, User
from renewals.models import CustomerAccount, PartnerOrganisation
from subscriptions.models import Period, PeriodChange
from tests.factories import OrganisationFactory, TeamFactory, UserFactory


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _checksums() -> dict[str, str]:
    """An md5 of every row of every table: equal before and after means nothing was written."""
    sums = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(
                "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f"FROM {connection.ops.quote_name(table)} t"
            )
            sums[table] = cursor.fetchone()[0]
    return sums


def test_seed_demo_twice_gives_the_same_row_counts(db):
    seed()
    first = _counts()
    seed()
    assert _counts() == first
    assert 180 <= first["crm.Contact"] <= 220


def test_a_second_run_on_a_later_day_changes_no_row_of_any_table_and_says_so(db, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)
    assert "Demo data ready." in seed()
    before = _checksums()
    time_machine.move_to(datetime.datetime(2027, 3, 1, 12, tzinfo=datetime.UTC), tick=False)
    output = seed()
    assert _checksums() == before
    assert "Demo data already loaded on 2026-11-22; nothing changed." in output
    assert "Demo logins (password 'demo'): admin, manager, rep, rep2, rep3, partner, partner2" in output


def test_a_rerun_leaves_the_users_own_organisations_alone(db):
    ines = UserFactory(username="ines", role=User.Role.REP)
    # Made before the demo, with the name of the demo's first organisation: not adopted.
    before = OrganisationFactory(name="Acme Analytics S.r.l.", owner=ines)
    seed()
    assert Contact.objects.filter(name="Acme Analytics S.r.l.").count() == 2
    rep = User.objects.get(username="rep")
    after = OrganisationFactory.create_batch(4, owner=rep)  # the user's own, owned by a demo rep
    audit_rows = PeriodChange.objects.count()
    seed()
    mine = [before, *after]
    assert not Period.objects.filter(contact__in=mine).exists()
    assert not PeriodChange.objects.filter(contact__in=mine).exists()
    assert not CustomerAccount.objects.filter(contact__in=mine).exists()
    assert PeriodChange.objects.count() == audit_rows


@pytest.mark.parametrize("by", ["admin", "ines"])
def test_a_feature_switched_off_after_seeding_stays_off(db, by):
    seed()
    someone = User.objects.filter(username=by).first() or UserFactory(username=by, role=User.Role.ADMIN)
    features.feature_set_active(name="subscriptions", active=False, by=someone)
    changes = list(FeatureChange.objects.values_list("pk", flat=True))
    seed()
    assert not features.is_active("subscriptions")
    assert list(FeatureChange.objects.values_list("pk", flat=True)) == changes


def test_demo_logins_work_and_contacts_are_spread_over_reps(db):
    seed()
    for username in ["admin", "manager", "rep", "rep2", "rep3", "partner", "partner2"]:
        assert authenticate(RequestFactory().post("/accounts/login/"), username=username, password="demo") is not None, username
    manager = User.objects.get(username="manager")
    owners = set(Contact.objects.values_list("owner__username", flat=True))
    assert {"rep", "rep2", "rep3"} <= owners
    assert Contact.objects.visible_to(manager).count() == Contact.objects.count()
    assert 0 < Contact.objects.visible_to(User.objects.get(username="rep")).count() < Contact.objects.count()


def test_demo_usernames_already_taken_write_nothing_and_are_named(db):
    UserFactory(username="admin", role=User.Role.ADMIN, first_name="Ines")
    UserFactory(username="rep2", role=User.Role.REP)
    before = _checksums()
    output = seed()  # returns: exit status 0
    assert _checksums() == before
    assert 'Demo data not loaded; nothing changed. Already in this database: user "admin", user "rep2".' in output
    assert "Demo logins" not in output


def test_a_taken_team_or_partner_organisation_name_writes_nothing_either(db):
    TeamFactory(name="Southern Europe")
    PartnerOrganisation.objects.create(name="Southwind Digital")
    before = _checksums()
    output = seed()
    assert _checksums() == before
    assert 'team "Southern Europe", partner organisation "Southwind Digital"' in output


def test_the_readme_s_quick_start_names_every_demo_login():
    from pathlib import Path

    from django.conf import settings

    from crm.demo import DEMO_USERS

    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert [username for username, *_ in DEMO_USERS if f"`{username}`" not in quick_start] == []
