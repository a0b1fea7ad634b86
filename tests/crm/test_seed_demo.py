from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from crm.models import Contact, User


def _counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_seed_demo_twice_gives_the_same_row_counts(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    first = _counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert _counts() == first
    assert 180 <= first["crm.Contact"] <= 220


def test_demo_logins_work_and_contacts_are_spread_over_reps(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    for username in ["admin", "manager", "rep", "rep2", "rep3", "partner"]:
        assert authenticate(username=username, password="demo") is not None, username
    manager = User.objects.get(username="manager")
    owners = set(Contact.objects.values_list("owner__username", flat=True))
    assert {"rep", "rep2", "rep3"} <= owners
    assert Contact.objects.visible_to(manager).count() == Contact.objects.count()
    assert 0 < Contact.objects.visible_to(User.objects.get(username="rep")).count() < Contact.objects.count()
