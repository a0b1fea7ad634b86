"""schemathesis against the live server, from the API's own schema, for a rep's token and a
partner's: no server error, and every answer (status, content type, headers, body) as the
schema documents it.

The server is pytest-django's live server (as the browser tests use it), over a small world:
the rep's contact with a period, a smart list, a partner's customer with a contract change.
schemathesis runs as its command-line tool in a process of its own, through all its phases
(the schema's examples, boundary values, random data, and chains of calls), with a fixed seed
and a few examples an operation, so that a run takes about a minute. Path ids are drawn mostly
from the world's real rows, so operations are exercised past their 404.

Every check runs but two that are about which requests the API accepts, not about what it
answers: `positive_data_acceptance` expects any body the schema allows to be accepted, and
`negative_data_rejection` any it does not allow to be refused. The API's bodies are the forms'
(`api/*.py`): their rules across fields (an end date not before the start, an MRR that agrees
with its price, the row's version) and against the data (an overlap, a stale version) are
answered 422, 409, 412 or 428, each documented, rather than written into the schema.
"""

import datetime
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from api.tokens import token_create
from crm.dates import today
from crm.models import Feature
from smartlists.models import SmartList
from subscriptions.models import Period
from tests.factories import ContactFactory
from tests.renewals.factories import AssociationFactory, ContractChangeFactory, PartnerOrganisationFactory

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))  # per operation and phase; more with the variable set
NOT_ABOUT_ANSWERS = ("positive_data_acceptance", "negative_data_rejection")


@pytest.fixture
def world(transactional_db, rep, partner, settings):
    """Rows for the operations to find (their ids), seen by the live server (committed)."""
    settings.API_RATE_LIMIT = "1000000/s"  # the rate limit's 429 is tested elsewhere: here, every operation
    Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": True})
    # several contacts with a period each: a DELETE that guesses a version takes one, not the world
    contacts = [ContactFactory(owner=rep, name=f"Rita Rep-Owned {i}") for i in range(4)]
    periods = [Period.objects.create(contact=contact, mrr=Decimal("100.00"), start_date=datetime.date(2026, 1, 1),
                                     end_date=datetime.date(2026, 12, 31), term_months=12) for contact in contacts]
    smartlist = SmartList.objects.create(owner=rep, name="Everyone", columns=["name", "current_mrr", "current_end"])
    customer = AssociationFactory(partner=PartnerOrganisationFactory(users=[partner]),
                                  customer__contact__owner=rep).customer
    ContactFactory(owner=rep, organisation=customer.contact, name="Giulia Esposito")
    change = ContractChangeFactory(customer=customer, start_date=today() + datetime.timedelta(days=60))
    return {"users": {"rep": rep, "partner": partner},
            "ids": {"contact_id": [contact.pk for contact in contacts], "period_id": [period.pk for period in periods],
                    "smartlist_id": [smartlist.pk], "change_id": [change.pk]}}


def config(ids: dict) -> str:
    """schemathesis.toml: the checks; each path id drawn from the world's rows 4 times in 5, and a
    body's `version` from the first few versions every other time (a write then meets its row's)."""
    values = {**ids, "version": [1, 2, 3]}
    lines = [f"[checks.{check}]\nenabled = false\n" for check in NOT_ABOUT_ANSWERS]
    lines.append("[parameters]")
    lines += [f'"path.{name}" = {{ dictionary = "{name}", probability = 0.8 }}' for name in ids]
    lines.append('"body.version" = { dictionary = "version", probability = 0.5 }')
    lines += [f"\n[dictionaries.{name}]\nvalues = {json.dumps(found)}" for name, found in values.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("role", ["rep", "partner"])
def test_every_answer_of_the_live_api_is_as_its_schema_says(world, live_server, role, tmp_path):
    _token, plain = token_create(user=world["users"][role], name="schemathesis", scope="write")
    settings_file = tmp_path / "schemathesis.toml"
    settings_file.write_text(config(world["ids"]))
    command = [
        str(SCHEMATHESIS), "--config-file", str(settings_file), "--no-color", "run",
        f"{live_server.url}/api/v1/openapi.json", "--header", f"Authorization: Bearer {plain}",
        "--max-examples", str(EXAMPLES), "--seed", "26", "--workers", "1", "--request-timeout", "30",
        "--generation-database", "none", "--report", "junit", "--report-dir", str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    summary = result.stdout[-30000:] + result.stderr[-5000:]
    print(summary[-3000:])  # shown with -s: the phases, the cases generated
    assert result.returncode == 0, summary
    assert "0 generated" not in summary and "No operations" not in summary, summary
