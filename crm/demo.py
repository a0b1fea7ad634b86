"""The demo: its users, team and contacts, then each app's demo data. Deterministic, created once.

`demo_seed` writes every demo row and the `DemoSeed` record in one transaction. The apps add their
own data through an optional `seed_demo(cast)` method on their AppConfig (crm never imports them)
and build only on the `DemoCast`, the rows the demo itself created: rows someone else created,
even ones with a demo name, are never adopted, and once the record exists nothing is written.
Where a name the demo needs is already taken (`demo_clashes`, with each AppConfig's optional
`demo_clashes()`), the demo is not loaded at all.
"""

import random
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.utils.text import slugify

from crm.models import Contact, DemoSeed, Tag, Team, User

DEMO_PASSWORD = "demo"  # noqa: S105 — documented demo logins, never used outside seed_demo

DEMO_USERS = [
    ("admin", "Ada", "Admin", User.Role.ADMIN),
    ("manager", "Marta", "Rossi", User.Role.MANAGER),
    ("rep", "Riccardo", "Bianchi", User.Role.REP),
    ("rep2", "Beatriz", "Souza", User.Role.REP),
    ("rep3", "Chen", "Wei", User.Role.REP),
    ("partner", "Paula", "Partner", User.Role.PARTNER),
    ("partner2", "Sam", "Southwind", User.Role.PARTNER),
]
DEMO_TEAM = "Southern Europe"

FIRST_NAMES = [
    "Alice", "Bruno", "Camila", "Daniel", "Elena", "Fabio", "Giulia", "Hugo", "Irene", "João",
    "Karin", "Luca", "Mariana", "Nicolò", "Olivia", "Paolo", "Renata", "Sofia", "Tomás", "Valentina",
]
LAST_NAMES = [
    "Almeida", "Bernardi", "Costa", "De Luca", "Esposito", "Ferreira", "Gallo", "Harris", "Lombardi",
    "Martins", "Novak", "Oliveira", "Pereira", "Ricci", "Santos", "Toscano", "Weber", "O'Neill",
]
COMPANY_WORDS = [
    ("Acme", "Analytics"), ("Blue", "Harbor"), ("Cedar", "Logistics"), ("Delta", "Foods"),
    ("Ember", "Studios"), ("Fjord", "Systems"), ("Granite", "Health"), ("Helix", "Labs"),
    ("Iris", "Media"), ("Juniper", "Retail"), ("Kestrel", "Energy"), ("Lumen", "Software"),
    ("Maple", "Travel"), ("Nimbus", "Cloud"), ("Orchid", "Design"), ("Pioneer", "Farms"),
    ("Quartz", "Finance"), ("Riviera", "Hotels"), ("Summit", "Education"), ("Tundra", "Outdoor"),
]
SUFFIXES = ["S.r.l.", "Ltda.", "GmbH", "Ltd", "S.p.A.", "Inc."]
TAGS = ["vip", "newsletter", "trade-show", "referral", "enterprise", "smb"]


@dataclass(frozen=True)
class DemoCast:
    """The rows the demo created, handed to each app's `seed_demo`: the only ones it may build on."""

    users: dict[str, User]
    organisations: list[Contact]  # in the order created


def demo_clashes() -> list[str]:
    """The rows already holding a unique name the demo would create, e.g. 'user "admin"'."""
    usernames = [username for username, *_ in DEMO_USERS]
    taken = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    clashes = [f'user "{username}"' for username in usernames if username in taken]
    if Team.objects.filter(name=DEMO_TEAM).exists():
        clashes.append(f'team "{DEMO_TEAM}"')
    for config in apps.get_app_configs():
        check = getattr(config, "demo_clashes", None)
        if check is not None:
            clashes += check()
    return clashes


def demo_seed() -> DemoSeed:
    """Create the demo, all of it or nothing. Call only while no `DemoSeed` exists and nothing clashes."""
    with transaction.atomic():
        # The record first: a second run started meanwhile waits on its key, then fails.
        record = DemoSeed.objects.create()
        users = seed_users()
        cast = DemoCast(users=users, organisations=seed_contacts(users))
        for config in apps.get_app_configs():
            seed = getattr(config, "seed_demo", None)
            if seed is not None:
                seed(cast)
    return record


def seed_users() -> dict[str, User]:
    users = {}
    for username, first, last, role in DEMO_USERS:
        user = User(
            username=username, first_name=first, last_name=last, role=role, email=f"{username}@example.com",
            is_staff=role == User.Role.ADMIN, is_superuser=role == User.Role.ADMIN,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[username] = user
    team = Team.objects.create(name=DEMO_TEAM, manager=users["manager"])
    team.members.add(users["rep"], users["rep2"], users["rep3"])
    return users


def seed_contacts(users: dict[str, User], organisations=40, people=160) -> list[Contact]:
    """The demo's organisations and their people; returns the organisations."""
    rng = random.Random(20261122)
    reps = [users["rep"], users["rep2"], users["rep3"], users["manager"]]
    # Tags are a shared vocabulary: the demo's contacts use existing ones of the same name.
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in TAGS}
    orgs = []
    for i in range(organisations):
        first, second = COMPANY_WORDS[i % len(COMPANY_WORDS)]
        name = f"{first} {second} {SUFFIXES[i % len(SUFFIXES)]}"
        domain = f"{first}{second}{i}".lower()
        org = Contact.objects.create(
            name=name,
            kind=Contact.Kind.ORGANISATION,
            owner=reps[i % len(reps)],
            website=f"https://www.{domain}.example",
            email=f"info@{domain}.example",
            phone=f"+39 02 {rng.randint(1000000, 9999999)}",
            address=f"Via Roma {rng.randint(1, 200)}\n20100 Milano",
        )
        org.tags.set(rng.sample(list(tags.values()), k=rng.randint(0, 2)))
        orgs.append(org)
    for i in range(people):
        first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i * 7) % len(LAST_NAMES)]
        org = orgs[i % len(orgs)]
        # ASCII, as the contact form and the importer take an address: "joao.bernardi", not "joão.bernardi".
        slug = f"{slugify(first)}.{slugify(last)}"
        person = Contact.objects.create(
            name=f"{first} {last}",
            organisation=org,
            kind=Contact.Kind.PERSON,
            owner=org.owner,
            email=f"{slug}@{org.website.removeprefix('https://www.')}",
            phone=f"+55 11 9{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        )
        if rng.random() < 0.3:
            person.tags.add(tags[rng.choice(TAGS)])
    return orgs
