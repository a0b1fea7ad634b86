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
    operations = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert operations == {("/api/v1/contacts/", "get"), ("/api/v1/contacts/", "post"),
                          ("/api/v1/contacts/{contact_id}/", "get"), ("/api/v1/contacts/{contact_id}/", "patch"),
                          ("/api/v1/contacts/{contact_id}/", "put"), ("/api/v1/contacts/{contact_id}/", "delete")}
    # every operation asks for the bearer token
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert all(op["security"] == [{"TokenAuth": []}] for item in schema["paths"].values() for op in item.values())
    listed = schema["paths"]["/api/v1/contacts/"]["get"]
    assert {p["name"] for p in listed["parameters"]} == {"q", "kind", "tag", "after", "limit"}


def test_the_docs_page_loads_its_scripts_from_this_site_only(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert _findings(response.text) == []  # no inline script, handler or style
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert 'data-schema-url="/api/v1/openapi.json"' in response.text
