"""The API describes itself: an OpenAPI 3 document that the specification validates, and a docs
page that loads nothing from other sites and nothing inline."""

import re

from django.test import Client
from openapi_spec_validator import validate

from tests.test_no_inline_code import _findings


def test_the_schema_is_served_without_a_token_and_is_valid_openapi(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/contacts/", "/api/v1/contacts/{contact_id}/"} <= set(schema["paths"])
    operations = {(path.removeprefix("/api/v1"), method) for path, item in schema["paths"].items() for method in item}
    assert operations == {
        ("/contacts/", "get"), ("/contacts/", "post"), ("/contacts/{contact_id}/", "get"),
        ("/contacts/{contact_id}/", "patch"), ("/contacts/{contact_id}/", "put"), ("/contacts/{contact_id}/", "delete"),
        ("/contacts/{contact_id}/periods/", "get"), ("/contacts/{contact_id}/periods/", "post"),
        ("/periods/{period_id}/", "get"), ("/periods/{period_id}/", "patch"), ("/periods/{period_id}/", "put"),
        ("/periods/{period_id}/", "delete"), ("/contacts/{contact_id}/subscription/", "get"),
        ("/smartlists/", "get"), ("/smartlists/{smartlist_id}/rows/", "get"),
        ("/renewals/", "get"), ("/renewals/{change_id}/", "get"),
        ("/renewals/{change_id}/agreed/", "post"), ("/renewals/{change_id}/agreed/", "delete"),
        ("/renewals/{change_id}/cancellation/", "post"), ("/renewals/{change_id}/cancellation/", "delete"),
        ("/renewals/{change_id}/communication-owner/", "post"), ("/renewals/{change_id}/primary-contact/", "post"),
        ("/pipeline/", "get"),
    }
    # every operation asks for the bearer token
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert all(op["security"] == [{"TokenAuth": []}] for item in schema["paths"].values() for op in item.values())
    listed = schema["paths"]["/api/v1/contacts/"]["get"]
    assert {p["name"] for p in listed["parameters"]} == {"q", "kind", "tag", "after", "limit"}


def _body(operation) -> dict:
    return operation["requestBody"]["content"]["application/json"]["schema"]


def test_a_patch_body_requires_nothing_and_a_create_what_the_form_requires(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/contacts/{contact_id}/", "/api/v1/periods/{period_id}/"):
        patch = _body(paths[path]["patch"])
        assert "required" not in patch, path
        assert all("default" not in field for field in patch["properties"].values()), path
    assert _body(paths["/api/v1/contacts/"]["post"])["required"] == ["name"]
    assert _body(paths["/api/v1/contacts/{contact_id}/"]["put"])["required"] == ["kind", "name", "owner"]
    assert _body(paths["/api/v1/contacts/{contact_id}/periods/"]["post"])["required"] == ["start_date"]


def test_every_operation_documents_its_problems_as_problem_json(db):
    schema = Client().get("/api/v1/openapi.json").json()
    assert set(schema["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status", "detail"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            answers = operation["responses"]
            expected = {"400", "401", "404", "429"} | ({"403", "409", "412", "422", "428"} if method != "get" else set())
            assert expected <= set(answers), (path, method)
            for status in expected:
                assert list(answers[status]["content"]) == ["application/problem+json"], (path, method, status)


def test_an_address_under_the_api_that_is_none_is_a_problem_not_a_page(db):
    for address in ("/api/v1/contacts/-1/", "/api/v1/nothing", "/api/v1/periods/x/"):
        response = Client().post(address)
        assert response.status_code == 404, address
        assert response["Content-Type"] == "application/problem+json"


def test_the_docs_page_loads_its_scripts_from_this_site_only(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert _findings(response.text) == []  # no inline script, handler or style
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert 'data-schema-url="/api/v1/openapi.json"' in response.text
