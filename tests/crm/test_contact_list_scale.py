"""The contact list at scale: a capped count, a search that trigram indexes can serve and that
finds exactly what `icontains` finds, and query counts that do not grow with the data."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Contact
from tests.factories import ContactFactory, OrganisationFactory

SEARCHES = ["lumen", "LUMEN", "umen soft", "zed@", "example", "Ana", "nothing-like-this", "a", "%", "_", "o'n"]


@pytest.fixture
def book(rep):
    lumen = OrganisationFactory(owner=rep, name="Lumen Software")
    other = OrganisationFactory(owner=rep, name="Other Analytics", email="info@other.example")
    ContactFactory(owner=rep, name="Ana Lima", email="ana@lumen.example", organisation=lumen)
    ContactFactory(owner=rep, name="Zed Other", email="zed@elsewhere.example")
    ContactFactory(owner=rep, name="Bea O'Neill", email="bea@x.example", organisation=other)
    ContactFactory(owner=rep, name="100% Pure_Juice", email="juice@y.example")
    return rep


def listed_names(response):
    return sorted(contact.name for contact in response.context["page"].object_list)


@pytest.mark.parametrize("text", SEARCHES)
def test_search_finds_exactly_what_plain_icontains_finds(client_as, book, text):
    expected = Contact.objects.filter(
        Q(name__icontains=text) | Q(email__icontains=text) | Q(organisation__name__icontains=text)
    ).distinct()
    response = client_as(book).get(reverse("contact_list"), {"q": text})
    assert response.status_code == 200
    assert listed_names(response) == sorted(expected.values_list("name", flat=True))
    assert response.context["page"].paginator.count == expected.count()


def test_a_count_above_the_cap_shows_the_capped_text_and_pages_inside_it(client_as, rep, settings):
    settings.LIST_COUNT_CAP = 30
    ContactFactory.create_batch(31, owner=rep)
    response = client_as(rep).get(reverse("contact_list"))
    assert response.context["page"].paginator.is_capped
    assert "30+ contacts" in response.text
    assert "31 contacts" not in response.text
    assert "Page 1 of 2+" in response.text  # the pages that reach the cap
    last = client_as(rep).get(reverse("contact_list"), {"page": 99})
    assert last.context["page"].number == 2
    assert len(last.context["page"].object_list) == 6


def test_a_count_at_the_cap_is_exact(client_as, rep, settings):
    settings.LIST_COUNT_CAP = 30
    ContactFactory.create_batch(30, owner=rep)
    response = client_as(rep).get(reverse("contact_list"))
    assert not response.context["page"].paginator.is_capped
    assert "30 contacts" in response.text and "Page 1 of 2" in response.text
    assert "30+" not in response.text


def test_the_capped_count_is_localised(client_as, rep, settings):
    settings.LIST_COUNT_CAP = 10_000
    ContactFactory.create_batch(3, owner=rep)
    response = client_as(rep).get(reverse("contact_list"))
    assert response.context["page"].paginator.cap == 10_000
    assert "3 contacts" in response.text


def _count(client, params):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("contact_list"), params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"q": "lumen"}, {"q": "lumen", "page": 2}], ids=["list", "search", "page-2"])
def test_query_count_is_the_same_at_10_and_1000_rows(client_as, manager, rep, params, django_assert_max_num_queries):
    client = client_as(manager)
    lumen = OrganisationFactory(owner=rep, name="Lumen Software")
    ContactFactory.create_batch(40, owner=rep, organisation=lumen)
    client.get(reverse("contact_list"), params)  # the process reads the switched-on features once
    small = _count(client, params)
    ContactFactory.create_batch(1000, owner=rep, organisation=lumen)
    large = _count(client, params)
    assert small == large
    # session, user, the manager's team, the capped count, the tag filter's options, the page's
    # rows; the owners the bulk actions offer are read when asked for (the whole-page cache
    # answered this third request with two and hid the team)
    with django_assert_max_num_queries(7):
        client.get(reverse("contact_list"), params)


@pytest.mark.parametrize("field", ["name", "email"])
def test_icontains_is_served_by_a_trigram_index(book, field):
    contacts = Contact.objects.filter(**{f"{field}__icontains": "lumen"}).order_by().values("pk")
    sql, params = contacts.query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of rows: switch off the other plans to show the planner can use the index (the
        # btree indexes that hold the name, dropped in this test's transaction: scanned whole as a
        # bitmap, they would do for so few rows).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("DROP INDEX contact_owner_name_id, crm_contact_name_e9345e_idx")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Bitmap Index Scan on contact_{field}_trgm" in plan, plan
