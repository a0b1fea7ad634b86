"""The benchmark's data, generated inside PostgreSQL with `INSERT ... SELECT generate_series`.

No factories and no per-row Python: every table is filled by one statement, so a million contacts
take minutes. Values come from a hash of the row number, so two runs at the same size generate the
same data (relative to the day they run).

The shape, for `contacts` = N:
- 1 admin, 100 managers and 1,000 reps; 100 teams of 10 reps, each with its manager.
- N contacts in blocks of ten with one owner each: three organisations, then seven people, most
  of them working for one of the block's organisations; a fifth of the contacts carry tags.
- 1 to 4 yearly subscription periods per contact (2.5 on average), back to back, never overlapping:
  10% churned (all in the past), 30% with an upcoming period (up or down, or new business), 20%
  open-ended, the rest ending within the next year (a quarter of those within 90 days).
- one more contact, "Decade Monthly", with 120 monthly periods: ten years of history.
- renewals: customer accounts on the first 100,000 organisations, 100 to each partner
  organisation (at most 1,000, each with one partner user), and 1 or 2 contract changes a
  customer over the next 150 days, in every type and status (`generate_renewals`).

Django owns the schema (migrations run first); the generator only adds one table of its own,
`bench_meta`, recording the size it made, so that the next run at the same size reuses the data.
"""

import datetime
import time
from dataclasses import dataclass

from django.db import connection, transaction

from crm.dates import today as crm_today

# Bump when the generated shape changes: data made by an older generator is then regenerated.
GENERATOR_VERSION = 2

ADMIN_USERNAME = "bench-admin"
TEAMS = 100
REPS_PER_TEAM = 10
REPS = TEAMS * REPS_PER_TEAM
HISTORY_CONTACT_NAME = "Decade Monthly S.p.A."
HISTORY_MONTHS = 120
CUSTOMERS = 100_000
PARTNERS = 1_000
CUSTOMERS_PER_PARTNER = 100
TAGS = ["vip", "newsletter", "trade-show", "referral", "enterprise", "smb", "partner-lead", "churn-risk"]
FIRST_NAMES = [
    "Alice", "Bruno", "Camila", "Daniel", "Elena", "Fabio", "Giulia", "Hugo", "Irene", "João",
    "Karin", "Luca", "Mariana", "Nicolò", "Olivia", "Paolo", "Renata", "Sofia", "Tomás", "Valentina",
]
LAST_NAMES = [
    "Almeida", "Bernardi", "Costa", "De Luca", "Esposito", "Ferreira", "Gallo", "Harris", "Lombardi",
    "Martins", "Novak", "Oliveira", "Pereira", "Ricci", "Santos", "Toscano", "Weber", "O'Neill",
]
COMPANY_FIRST = ["Acme", "Blue", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Helix", "Iris", "Juniper"]
COMPANY_SECOND = ["Analytics", "Harbor", "Logistics", "Foods", "Studios", "Systems", "Health", "Labs"]
SUFFIXES = ["S.r.l.", "Ltda.", "GmbH", "Ltd", "S.p.A.", "Inc."]


class BenchError(Exception):
    """A condition the benchmark cannot run under; the message says what to do."""


@dataclass(frozen=True)
class Generated:
    contacts: int
    reused: bool
    seconds: float
    generated_at: datetime.datetime
    periods: int


def manager_username(team: int) -> str:
    return f"bench-manager-{team:03d}"


def rep_username(rep: int) -> str:
    return f"bench-rep-{rep:04d}"


def ensure_data(*, contacts: int, regenerate: bool = False, today: datetime.date | None = None) -> Generated:
    """Make sure the database holds the benchmark data at `contacts`; reuse it when it does."""
    if contacts < 10:
        raise BenchError("--contacts must be at least 10")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(META_TABLE)
        cursor.execute("SELECT contacts, generator_version, generated_at, seconds, periods FROM bench_meta")
        meta = cursor.fetchone()
        if meta and not regenerate and meta[:2] == (contacts, GENERATOR_VERSION) and _intact(cursor, contacts):
            return Generated(contacts, reused=True, seconds=meta[3], generated_at=meta[2], periods=meta[4])
        if not meta:
            _refuse_foreign_data(cursor)
        started = time.monotonic()
        _generate(cursor, contacts=contacts, today=today or crm_today())
        cursor.execute("SELECT count(*) FROM subscriptions_period")
        periods = cursor.fetchone()[0]
        seconds = round(time.monotonic() - started, 2)
        cursor.execute("DELETE FROM bench_meta")
        cursor.execute(
            "INSERT INTO bench_meta (contacts, generator_version, generated_at, seconds, periods) "
            "VALUES (%s, %s, clock_timestamp(), %s, %s) RETURNING generated_at",
            [contacts, GENERATOR_VERSION, seconds, periods],
        )
        generated_at = cursor.fetchone()[0]
    _analyze()
    return Generated(contacts, reused=False, seconds=seconds, generated_at=generated_at, periods=periods)


META_TABLE = """
CREATE TABLE IF NOT EXISTS bench_meta (
    contacts integer NOT NULL,
    generator_version integer NOT NULL,
    generated_at timestamptz NOT NULL,
    seconds double precision NOT NULL,
    periods bigint NOT NULL
)
"""


def _intact(cursor, contacts: int) -> bool:
    cursor.execute("SELECT count(*) FROM crm_contact WHERE id > %s", [contacts])
    return cursor.fetchone()[0] == 1  # only the history contact comes after the generated ones


def _refuse_foreign_data(cursor) -> None:
    """Generating wipes users and contacts: refuse on a database the benchmark did not fill."""
    cursor.execute("SELECT EXISTS (SELECT 1 FROM crm_user) OR EXISTS (SELECT 1 FROM crm_contact)")
    if cursor.fetchone()[0]:
        raise BenchError(
            f"Database {connection.settings_dict['NAME']!r} holds users or contacts that the benchmark "
            "did not generate, and generating replaces them. Point DATABASE_URL at a database of its "
            "own (make bench defaults to crm_bench)."
        )


def _analyze() -> None:
    # VACUUM also sets the visibility map (index-only scans); it cannot run inside a transaction.
    statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(statement)


def _rand(expr: str, salt: int, modulo: int) -> str:
    """SQL for a number in [0, modulo) drawn from the hash of `expr` (an integer) and `salt`."""
    return f"mod(hashint8(({expr})::bigint * 64 + {salt}) & 2147483647, {modulo})"


def _pick(values: list[str], expr: str, salt: int) -> str:
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"(ARRAY[{quoted}])[1 + {_rand(expr, salt, len(values))}]"


def _generate(cursor, *, contacts: int, today: datetime.date) -> None:
    # Deferred foreign-key checks pending from earlier statements would block TRUNCATE.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # CASCADE empties every table that points at these (contacts, periods, teams, app tables).
    cursor.execute("TRUNCATE crm_user, crm_tag, renewals_partnerorganisation, django_session RESTART IDENTITY CASCADE")
    _users_and_teams(cursor)
    _contacts(cursor, contacts)
    _tags(cursor, contacts)
    _periods(cursor, contacts, today)
    _history_contact(cursor, contacts, today)
    _summaries(today)
    generate_renewals(cursor, contacts=contacts, today=today)
    for table in ("crm_user", "crm_team", "crm_contact", "crm_tag", "renewals_partnerorganisation",
                  "renewals_customeraccount", "renewals_association", "renewals_contractchange"):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    cursor.execute(
        "INSERT INTO crm_feature (name, is_active) VALUES ('subscriptions', true) "
        "ON CONFLICT (name) DO UPDATE SET is_active = true"
    )


USER_COLUMNS = (
    "id, password, last_login, is_superuser, username, first_name, last_name, email, is_staff, "
    "is_active, date_joined, role"
)


def _users_and_teams(cursor) -> None:
    # Ids: the admin 1, manager of team t 1 + t, rep r (1..1000) 1 + TEAMS + r. Passwords unusable
    # ("!"): the bench logs in through sessions it creates, never a password.
    cursor.execute(
        f"INSERT INTO crm_user ({USER_COLUMNS}) VALUES "
        "(1, '!', NULL, true, %s, 'Bench', 'Admin', 'bench-admin@example.com', true, true, now(), 'admin')",
        [ADMIN_USERNAME],
    )
    cursor.execute(
        f"""
        INSERT INTO crm_user ({USER_COLUMNS})
        SELECT 1 + t, '!', NULL, false, 'bench-manager-' || lpad(t::text, 3, '0'), 'Manager',
               t::text, 'bench-manager-' || t || '@example.com', false, true, now(), 'manager'
        FROM generate_series(1, {TEAMS}) t
        """
    )
    cursor.execute(
        f"""
        INSERT INTO crm_user ({USER_COLUMNS})
        SELECT 1 + {TEAMS} + r, '!', NULL, false, 'bench-rep-' || lpad(r::text, 4, '0'),
               {_pick(FIRST_NAMES, 'r', 1)}, {_pick(LAST_NAMES, 'r', 2)},
               'bench-rep-' || r || '@example.com', false, true, now(), 'rep'
        FROM generate_series(1, {REPS}) r
        """
    )
    cursor.execute(
        f"""
        INSERT INTO crm_team (id, name, manager_id)
        SELECT t, 'Bench team ' || lpad(t::text, 3, '0'), 1 + t FROM generate_series(1, {TEAMS}) t
        """
    )
    cursor.execute(
        f"""
        INSERT INTO crm_team_members (team_id, user_id)
        SELECT 1 + (r - 1) / {REPS_PER_TEAM}, 1 + {TEAMS} + r FROM generate_series(1, {REPS}) r
        """
    )


def _contacts(cursor, contacts: int) -> None:
    # Contact g has id g. In each block of ten (one owner), positions 0-2 are organisations and
    # 3-9 people; 70% of the people work for one of their block's organisations.
    position = "(g - 1) % 10"
    block = "(g - 1) / 10"
    person_name = f"{_pick(FIRST_NAMES, 'g', 3)} || ' ' || {_pick(LAST_NAMES, 'g', 4)}"

    def organisation_name(org: str) -> str:
        return (
            f"{_pick(COMPANY_FIRST, org, 5)} || ' ' || {_pick(COMPANY_SECOND, org, 6)} || ' ' || {org} || ' ' "
            f"|| {_pick(SUFFIXES, org, 7)}"
        )

    cursor.execute(
        f"""
        INSERT INTO crm_contact (id, kind, name, email, phone, website, address, owner_id,
                                 organisation_id, organisation_name_copy, created_at, updated_at)
        SELECT g,
               CASE WHEN {position} < 3 THEN 'organisation' ELSE 'person' END,
               CASE WHEN {position} < 3 THEN {organisation_name('g')} ELSE {person_name} END,
               CASE WHEN {position} < 3 THEN 'info@org' || g || '.example.com'
                    ELSE 'contact' || g || '@example.com' END,
               '+39 ' || lpad(({_rand('g', 8, 1000000000)})::text, 9, '0'),
               CASE WHEN {position} < 3 THEN 'https://org' || g || '.example.com' ELSE '' END,
               '',
               1 + {TEAMS} + 1 + {block} % {REPS},
               employer.id,
               coalesce({organisation_name('employer.id')}, ''),
               created, created
        FROM generate_series(1, {contacts}) g,
             LATERAL (SELECT now() - make_interval(days => {_rand('g', 11, 3650)}) AS created) c,
             LATERAL (SELECT CASE WHEN {position} >= 3 AND {_rand('g', 9, 10)} < 7
                                  THEN {block} * 10 + 1 + {_rand('g', 10, 3)} END AS id) employer
        ORDER BY g
        """
    )


def _tags(cursor, contacts: int) -> None:
    cursor.execute(
        "INSERT INTO crm_tag (id, name) SELECT i, (%s::text[])[i] FROM generate_series(1, %s) i",
        [TAGS, len(TAGS)],
    )
    first = f"1 + {_rand('g', 13, len(TAGS))}"
    second = f"1 + ({_rand('g', 13, len(TAGS))} + 1 + {_rand('g', 14, len(TAGS) - 1)}) % {len(TAGS)}"
    cursor.execute(
        f"""
        INSERT INTO crm_contact_tags (contact_id, tag_id)
        SELECT g, {first} FROM generate_series(1, {contacts}) g WHERE {_rand('g', 12, 10)} < 2
        UNION ALL
        SELECT g, {second} FROM generate_series(1, {contacts}) g WHERE {_rand('g', 12, 10)} = 0
        """
    )


PERIOD_COLUMNS = (
    "contact_id, currency, mrr, start_date, end_date, term_months, description, price, "
    "billing_frequency, billing_every_months, version, created_at, updated_at"
)


def _periods(cursor, contacts: int, today: datetime.date) -> None:
    # Each contact has k = 1..4 yearly periods back to back. `anchor` is the last day of its
    # current period (of its last one for churned contacts); period j lies `offset` years after
    # the current one, so offset 1 is an upcoming period. Contiguous, so never overlapping.
    cursor.execute(
        f"""
        WITH shape AS (
            SELECT g,
                   1 + {_rand('g', 20, 4)} AS k,
                   {_rand('g', 21, 100)} AS status,
                   (50 + {_rand('g', 22, 1950)})::numeric + {_rand('g', 23, 100)} / 100.0 AS base,
                   {_rand('g', 24, 2)} = 0 AS goes_up,
                   CASE WHEN {_rand('g', 25, 2)} = 0 THEN 'annual' ELSE 'monthly' END AS billing,
                   CASE WHEN {_rand('g', 21, 100)} < 10
                        THEN %(today)s::date - 1 - {_rand('g', 26, 700)}
                        ELSE %(today)s::date + {_rand('g', 26, 365)} END AS anchor
            FROM generate_series(1, {contacts}) g
        ),
        laid_out AS (
            SELECT shape.*, j,
                   -- 10-39: the last period is upcoming; 40-59: the last one never ends
                   j - CASE WHEN status BETWEEN 10 AND 39 THEN k - 1 ELSE k END AS offset_years,
                   status BETWEEN 40 AND 59 AND j = k AS open_ended
            FROM shape, generate_series(1, shape.k) j
        ),
        valued AS (
            SELECT *,
                   round(CASE WHEN offset_years = 1
                              THEN base * (1 + 0.05 * (j - 2)) * CASE WHEN goes_up THEN 1.25 ELSE 0.8 END
                              ELSE base * (1 + 0.05 * (j - 1)) END, 2) AS mrr
            FROM laid_out
        )
        INSERT INTO subscriptions_period ({PERIOD_COLUMNS})
        SELECT g, 'EUR', mrr,
               (anchor + 1 + make_interval(years => offset_years - 1))::date,
               CASE WHEN open_ended THEN NULL
                    ELSE (anchor + 1 + make_interval(years => offset_years))::date - 1 END,
               12, 'Plan ' || j,
               CASE WHEN billing = 'annual' THEN mrr * 12 ELSE mrr END,
               billing, NULL, 1, now(), now()
        FROM valued
        ORDER BY g, j
        """,
        {"today": today},
    )


def _summaries(today: datetime.date) -> None:
    """The stored subscription summaries, as the daily task writes them (one set-based statement)."""
    from subscriptions.summary import rebuild

    rebuild(today=today)


def _history_contact(cursor, contacts: int, today: datetime.date) -> None:
    """Contact N + 1: ten years of monthly periods, the last one this month, owned by rep 1."""
    history_id = contacts + 1
    cursor.execute(
        "INSERT INTO crm_contact (id, kind, name, email, phone, website, address, owner_id, "
        "organisation_id, organisation_name_copy, created_at, updated_at) VALUES (%s, 'organisation', %s, "
        "'billing@decade.example.com', '', 'https://decade.example.com', '', %s, NULL, '', now(), now())",
        [history_id, HISTORY_CONTACT_NAME, 1 + TEAMS + 1],
    )
    first_month = today.replace(day=1)
    cursor.execute(
        f"""
        INSERT INTO subscriptions_period ({PERIOD_COLUMNS})
        SELECT %(contact)s, 'EUR', round(100 + 2.5 * i, 2),
               (%(first)s::date + make_interval(months => i - %(months)s + 1))::date,
               (%(first)s::date + make_interval(months => i - %(months)s + 2))::date - 1,
               1, 'Month ' || (i + 1), round(100 + 2.5 * i, 2), 'monthly', NULL, 1, now(), now()
        FROM generate_series(0, %(months)s - 1) i
        """,
        {"contact": history_id, "first": first_month, "months": HISTORY_MONTHS},
    )


def partner_username(partner: int) -> str:
    return f"bench-partner-{partner:04d}"


def renewal_sizes(contacts: int) -> tuple[int, int]:
    """(customers, partner organisations): a customer account on each of the first 100,000
    organisations, 100 customers to a partner, at most 1,000 partners."""
    organisations = contacts // 10 * 3 + min(3, contacts % 10)
    customers = min(CUSTOMERS, organisations)
    return customers, min(PARTNERS, max(1, -(-customers // CUSTOMERS_PER_PARTNER)))


CHANGE_COLUMNS = (
    "id, customer_id, type, start_date, billing_frequency, term_months, communication_owner, primary_contact_id, "
    "agreed_at, agreed_by_id, cancellation_requested_at, cancellation_requested_by_id, announced_status, version, "
    "created_at, updated_at"
)


def generate_renewals(cursor, *, contacts: int, today: datetime.date) -> None:
    """Renewals: customer accounts on organisation contacts, partner organisations with one
    partner user each, associations (a twentieth of customers also have an ended one with another
    partner), and 1 or 2 contract changes a customer starting within the next 150 days.

    Customer c (1..C) is the c-th organisation contact by id; partner p (1..P) looks after the
    customers c with (c - 1) % P = p - 1, so partner 1 has 100 of them when there are enough.
    Changes come in every type, and in every status: a tenth with a cancellation request, a fifth
    agreed, and renewals starting within 44 days count as renewed by themselves.
    """
    customers, partners = renewal_sizes(contacts)
    first_partner_user = 1 + TEAMS + REPS
    cursor.execute(
        f"""
        INSERT INTO renewals_partnerorganisation (id, name, default_communication_owner)
        SELECT p, 'Bench partner ' || lpad(p::text, 4, '0'), CASE WHEN p % 3 = 0 THEN 'partner' ELSE 'vendor' END
        FROM generate_series(1, {partners}) p
        """
    )
    cursor.execute(
        f"""
        INSERT INTO crm_user ({USER_COLUMNS})
        SELECT {first_partner_user} + p, '!', NULL, false, 'bench-partner-' || lpad(p::text, 4, '0'), 'Partner',
               p::text, 'bench-partner-' || p || '@example.com', false, true, now(), 'partner'
        FROM generate_series(1, {partners}) p
        """
    )
    cursor.execute(
        f"""
        INSERT INTO renewals_partnerorganisation_users (partnerorganisation_id, user_id)
        SELECT p, {first_partner_user} + p FROM generate_series(1, {partners}) p
        """
    )
    # The c-th organisation: blocks of ten contacts start with three organisations.
    cursor.execute(
        f"""
        INSERT INTO renewals_customeraccount (id, contact_id, account_id, website, max_contacts, email_send_limit,
                                              products, contacts_used, emails_sent_this_month)
        SELECT c, (c - 1) / 3 * 10 + (c - 1) % 3 + 1, 'ACC-' || lpad(c::text, 7, '0'),
               'https://org' || ((c - 1) / 3 * 10 + (c - 1) % 3 + 1) || '.example.com',
               (ARRAY[1000, 5000, 10000, 50000])[1 + {_rand('c', 30, 4)}],
               (ARRAY[10000, 50000, 100000])[1 + {_rand('c', 31, 3)}],
               CASE WHEN {_rand('c', 32, 2)} = 0 THEN '["email"]'::jsonb ELSE '["email", "automation"]'::jsonb END,
               {_rand('c', 33, 1000)}, {_rand('c', 34, 10000)}
        FROM generate_series(1, {customers}) c
        """
    )
    cursor.execute(
        f"""
        INSERT INTO renewals_association (partner_id, customer_id, started_at, ended_at, ended_by_id)
        SELECT 1 + (c - 1) % {partners}, c, now() - make_interval(days => 30 + {_rand('c', 35, 700)}), NULL, NULL
        FROM generate_series(1, {customers}) c
        UNION ALL
        SELECT 1 + c % {partners}, c, now() - interval '800 days', now() - interval '40 days', 1
        FROM generate_series(1, {customers}) c WHERE {_rand('c', 36, 20)} = 0 AND {partners} > 1
        """
    )
    cursor.execute(
        f"""
        WITH laid_out AS (
            SELECT c, j, row_number() OVER (ORDER BY c, j) AS id,
                   {_rand('c * 2 + j', 40, 100)} AS status,
                   {_rand('c * 2 + j', 41, 3)} AS kind
            FROM generate_series(1, {customers}) c, generate_series(1, 2) j
            WHERE j = 1 OR {_rand('c', 42, 2)} = 0
        )
        INSERT INTO renewals_contractchange ({CHANGE_COLUMNS})
        SELECT id, c, (ARRAY['renewal', 'tier_upgrade', 'email_overage'])[1 + kind],
               %(today)s::date + {_rand('c * 2 + j', 43, 151)},
               (ARRAY['monthly', 'quarterly', 'semiannual', 'annual'])[1 + {_rand('c * 2 + j', 44, 4)}],
               (ARRAY[1, 3, 6, 12, 24])[1 + {_rand('c * 2 + j', 45, 5)}],
               (ARRAY['', '', '', 'vendor', 'partner'])[1 + {_rand('c * 2 + j', 46, 5)}],
               CASE WHEN status %% 2 = 0 THEN (
                   -- the organisation's people are in its block of ten: read that range of ids only
                   SELECT min(person.id) FROM crm_contact person
                   WHERE person.id BETWEEN (c - 1) / 3 * 10 + 4 AND (c - 1) / 3 * 10 + 10
                     AND person.organisation_id = (c - 1) / 3 * 10 + (c - 1) %% 3 + 1
               ) END,
               CASE WHEN status BETWEEN 10 AND 29 THEN now() - interval '2 days' END,
               CASE WHEN status BETWEEN 10 AND 29 THEN {first_partner_user} + 1 + (c - 1) %% {partners} END,
               CASE WHEN status < 10 THEN now() - interval '1 day' END,
               CASE WHEN status < 10 THEN {first_partner_user} + 1 + (c - 1) %% {partners} END,
               '', 1, now(), now()
        FROM laid_out
        ORDER BY id
        """,
        {"today": today},
    )
