"""Hostile and random input: never a server error, never a partial write, never a wider list."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.models import Contact, Tag
from tests.factories import ContactFactory

FUZZ = settings(suppress_health_check=list(HealthCheck))

any_text = st.text(st.characters(codec="utf-8"), max_size=300)
form_value = st.one_of(
    any_text,
    st.sampled_from(["", " ", "\x00", "person", "organisation", "-1", "0", "1e309", "NaN", "<script>", "' OR 1=1 --"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
contact_post = st.fixed_dictionaries(
    {},
    optional={
        name: form_value
        for name in ["kind", "name", "organisation", "email", "phone", "website", "address", "owner", "tags", "version"]
    },
)


@pytest.mark.django_db
@FUZZ
@given(data=contact_post)
def test_contact_create_form_fuzz(client, rep, data):
    client.force_login(rep)
    before = Contact.objects.count(), Tag.objects.count()
    response = client.post(reverse("contact_create"), data)
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert (Contact.objects.count(), Tag.objects.count()) == before
    else:
        assert Contact.objects.count() == before[0] + 1


@pytest.mark.django_db
@FUZZ
@given(data=contact_post)
def test_contact_edit_form_fuzz(client, rep, data):
    client.force_login(rep)
    contact = Contact.objects.filter(owner=rep).first() or ContactFactory(owner=rep, name="Fuzz Target")
    snapshot = Contact.objects.filter(pk=contact.pk).values().get()
    response = client.post(reverse("contact_edit", args=[contact.pk]), data)
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert Contact.objects.filter(pk=contact.pk).values().get() == snapshot


# Shapes seen in past Django ORM injection advisories (dict expansion into filter(**kwargs),
# _connector, aliases with SQL), plus bad numbers, dates, unicode and NUL bytes.
MALICIOUS_KEYS = [
    "q", "kind", "tag", "page", "owner", "kind__in", "name__regex", "_connector", "_negated",
    "tags__name__contains", "owner__password__startswith", "q[$ne]", "kind[]", "__proto__", "order_by",
]
MALICIOUS_VALUES = [
    "", "\x00", "robot", "person\x00", "' OR '1'='1", "1; DROP TABLE crm_contact; --", "OR", "AND",
    "9" * 400, "-1", "1e309", "NaN", "Infinity", "2026-02-30", "0000-00-00", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "☃" * 250,
    "%00", "%s", "{}", "[]", '{"$gt": ""}', "<svg onload=alert(1)>", "../../etc/passwd",
]


def malformed_queries():
    for key in MALICIOUS_KEYS:
        for value in MALICIOUS_VALUES:
            yield {key: value}
            yield {key: [value, value + "x"]}


QUERIES = list(malformed_queries())


def test_there_are_at_least_500_malformed_payloads():
    assert len(QUERIES) >= 500


@pytest.mark.django_db
def test_malformed_contact_list_queries_never_error_or_widen(client, rep, outsider):
    ContactFactory(owner=rep, name="Visible Vera")
    ContactFactory(owner=outsider, name="Secret Sam")
    client.force_login(rep)
    for query in QUERIES:
        response = client.get(reverse("contact_list"), query)
        assert response.status_code in (200, 400), query
        assert "Secret Sam" not in response.text, query
        if response.status_code == 400:
            assert "Visible Vera" not in response.text, query


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        '<img src=x onerror="alert(1)">',
        '"><button hx-post="/logout/" hx-trigger="load">x</button>',
    ],
)
def test_stored_html_and_htmx_attributes_are_escaped(client_as, rep, name):
    org = ContactFactory(owner=rep, name=name, kind=Contact.Kind.ORGANISATION)
    person = ContactFactory(owner=rep, name="Escaped Person", organisation=org)
    person.tags.create(name=name[:50])
    client = client_as(rep)
    for url in [reverse("contact_list"), org.get_absolute_url(), person.get_absolute_url(), reverse("contact_edit", args=[org.pk])]:
        text = client.get(url).text
        assert name not in text, url
        assert "hx-post=\"/logout/\"" not in text and "<img src=x" not in text, url
