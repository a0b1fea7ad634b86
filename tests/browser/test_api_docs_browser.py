"""The API's docs page (Swagger UI from static/vendor) runs under the Content-Security-Policy:
it draws the schema's operations and the browser refuses nothing."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_csp_browser import _visit, refused  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_the_api_docs_draw_the_schema_with_no_csp_violation(page, refused, db):  # noqa: F811
    _visit(page, "/api/v1/docs", refused)
    expect(page.get_by_role("heading", name="Subscription CRM API")).to_be_visible()
    expect(page.get_by_text("List contacts")).to_be_visible()
    # an operation opens in place, with its parameters, still under the policy
    page.get_by_text("List contacts").click()
    expect(page.get_by_text("Rows per page.")).to_be_visible()
    assert refused == []
