"""The fixed cast every test can use, and helpers to act as one of them."""

import os
import shutil

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from crm import features
from crm.models import User
from tests.factories import ContactFactory, TeamFactory, UserFactory

# Property tests: about 100 examples each in `make test`, 1,000 in `make fuzz`
# (HYPOTHESIS_PROFILE=fuzz). Examples run against the database, so no deadline.
hypothesis_settings.register_profile(
    "default", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
hypothesis_settings.register_profile("fuzz", parent=hypothesis_settings.get_profile("default"), max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))



@pytest.fixture(scope="session")
def compiled_catalogues():
    """The translations compiled from the .po files, for a test that reads a page in another language."""
    if shutil.which("msgfmt") is None:
        pytest.fail("GNU gettext's msgfmt is needed to compile the catalogues (apt-get install gettext)")
    call_command("compilemessages", ignore_patterns=[".venv"], verbosity=0)


@pytest.fixture(autouse=True)
def features_read_afresh():
    """Each process keeps a copy of the switched-on features, forgotten when a change commits
    (`crm.features`). A test's changes are rolled back, never committed: no copy outlives its test."""
    features._changed()


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=User.Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=User.Role.MANAGER)


@pytest.fixture
def rep(db, manager):
    rep = UserFactory(username="rep", role=User.Role.REP)
    team = TeamFactory(name="Team A", manager=manager)
    team.members.add(rep)
    return rep


@pytest.fixture
def outsider(db):
    """A rep of another manager's team: sees nothing of `rep`'s."""
    other = UserFactory(username="outsider", role=User.Role.REP)
    TeamFactory(name="Team B").members.add(other)
    return other


@pytest.fixture
def partner(db):
    return UserFactory(username="partner", role=User.Role.PARTNER)


@pytest.fixture
def contact(rep):
    return ContactFactory(owner=rep, name="Rita Rep-Owned")


@pytest.fixture
def outsider_contact(outsider):
    return ContactFactory(owner=outsider, name="Olga Outsider-Owned")


@pytest.fixture
def client_as(client):
    """`client_as(user)` logs the test client in as `user` and returns it."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def celery_eager():
    """Run Celery tasks in-process for this test, as the embedded default does."""
    from crm.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def subscriptions_on(db):
    from crm.models import Feature

    Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": True})
