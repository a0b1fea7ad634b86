"""The layout every page extends (base.html): its navigation and language picker, worked out once
per process (`crm.panels`, `crm.context_processors`), read as a person sees them."""

import re

from django.urls import reverse, set_script_prefix


def _nav_links(page: str) -> list[str]:
    nav = page[page.index('<nav aria-label="Main">'):page.index("</nav>")]
    return re.findall(r'<li><a href="([^"]+)"', nav)


def _language_options(page: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<option value="([^"]+)" (selected)?>([^<]+)</option>', page)


def test_the_navigation_links_to_the_pages_the_user_may_open(client_as, manager, subscriptions_on):
    page = client_as(manager).get(reverse("contact_list")).text
    assert _nav_links(page) == [reverse("contact_list"), reverse("subscriptions:pipeline"),
                                reverse("subscriptions:movements"), reverse("smartlists:index"),
                                reverse("imports:index"), reverse("api_tokens")]
    assert f'<a href="{reverse("contact_list")}" aria-current="page">' in page


def test_the_navigation_follows_the_prefix_the_site_is_served_under(client_as, rep):
    client, path = client_as(rep), reverse("contact_list")
    set_script_prefix("/crm/")  # as the WSGI handler does for SCRIPT_NAME=/crm (the test client does not)
    try:
        response = client.get(path)
    finally:
        set_script_prefix("/")
    assert response.status_code == 200
    under_prefix = response.text
    assert _nav_links(under_prefix) and all(link.startswith("/crm/") for link in _nav_links(under_prefix))
    at_root = client.get(reverse("contact_list")).text
    assert _nav_links(at_root) == [link.removeprefix("/crm") for link in _nav_links(under_prefix)]


def test_the_language_picker_names_each_language_in_itself_and_selects_the_current_one(client_as, rep):
    client = client_as(rep)
    english = client.get(reverse("contact_list")).text
    assert _language_options(english) == [
        ("en", "selected", "English"), ("it", "", "italiano"), ("pt-br", "", "Português Brasileiro"),
    ]
    italian = client.get(reverse("contact_list"), headers={"Accept-Language": "it"}).text
    assert [selected for _code, selected, _name in _language_options(italian)] == ["", "selected", ""]
