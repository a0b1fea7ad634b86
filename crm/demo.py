"""The demo cast and contacts: deterministic, so `seed_demo` can run any number of times."""

import random

from crm.models import Contact, Tag, Team, User

DEMO_PASSWORD = "demo"  # noqa: S105 — documented demo logins, never used outside seed_demo

DEMO_USERS = [
    ("admin", "Ada", "Admin", User.Role.ADMIN),
    ("manager", "Marta", "Rossi", User.Role.MANAGER),
    ("rep", "Riccardo", "Bianchi", User.Role.REP),
    ("rep2", "Beatriz", "Souza", User.Role.REP),
    ("rep3", "Chen", "Wei", User.Role.REP),
    ("partner", "Paula", "Partner", User.Role.PARTNER),
]

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


def seed_users() -> dict[str, User]:
    users = {}
    for username, first, last, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "role": role, "email": f"{username}@example.com"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = role == User.Role.ADMIN
            user.save()
        users[username] = user
    team, _ = Team.objects.get_or_create(name="Southern Europe", defaults={"manager": users["manager"]})
    team.members.add(users["rep"], users["rep2"], users["rep3"])
    return users


def seed_contacts(users: dict[str, User], organisations=40, people=160) -> None:
    rng = random.Random(20261122)
    reps = [users["rep"], users["rep2"], users["rep3"], users["manager"]]
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in TAGS}
    orgs = []
    for i in range(organisations):
        first, second = COMPANY_WORDS[i % len(COMPANY_WORDS)]
        name = f"{first} {second} {SUFFIXES[i % len(SUFFIXES)]}"
        domain = f"{first}{second}{i}".lower()
        org, created = Contact.objects.get_or_create(
            name=name,
            kind=Contact.Kind.ORGANISATION,
            defaults={
                "owner": reps[i % len(reps)],
                "website": f"https://www.{domain}.example",
                "email": f"info@{domain}.example",
                "phone": f"+39 02 {rng.randint(1000000, 9999999)}",
                "address": f"Via Roma {rng.randint(1, 200)}\n20100 Milano",
            },
        )
        if created:
            org.tags.set(rng.sample(list(tags.values()), k=rng.randint(0, 2)))
        orgs.append(org)
    for i in range(people):
        first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i * 7) % len(LAST_NAMES)]
        org = orgs[i % len(orgs)]
        name = f"{first} {last}"
        slug = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        person, created = Contact.objects.get_or_create(
            name=name,
            organisation=org,
            defaults={
                "kind": Contact.Kind.PERSON,
                "owner": org.owner,
                "email": f"{slug}@{org.website.removeprefix('https://www.')}",
                "phone": f"+55 11 9{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            },
        )
        if created and rng.random() < 0.3:
            person.tags.add(tags[rng.choice(TAGS)])
