"""Deleting a smart list: a confirmation page first (no script needed), then only its POST deletes."""

import pytest
from django.urls import reverse

from smartlists.models import SmartList
from tests.smartlists.conftest import smartlist

pytestmark = pytest.mark.django_db


def delete_url(sl):
    return reverse("smartlists:delete", args=[sl.pk])


def test_the_edit_page_links_to_a_confirmation_that_deletes_nothing_until_confirmed(client_as, rep):
    sl = smartlist(rep, name="Hot leads", shared=True)
    client = client_as(rep)
    edit = client.get(reverse("smartlists:edit", args=[sl.pk])).text
    assert f'href="{delete_url(sl)}">Delete this list</a>' in edit

    confirm = client.get(delete_url(sl))
    assert confirm.status_code == 200
    assert "Delete the smart list “Hot leads”?" in confirm.text
    assert "Your team will no longer see it." in confirm.text
    assert f'<form method="post" action="{delete_url(sl)}">' in confirm.text
    assert SmartList.objects.filter(pk=sl.pk).exists()

    response = client.post(delete_url(sl))
    assert response.status_code == 302 and response.url == reverse("smartlists:index")
    assert not SmartList.objects.filter(pk=sl.pk).exists()
    assert "Smart list “Hot leads” deleted." in client.get(response.url).text


@pytest.mark.parametrize("who", ["manager", "outsider", "partner"])
def test_only_the_owner_sees_the_confirmation_or_deletes(client_as, request, rep, who):
    sl = smartlist(rep, shared=True)  # the manager may open it, but not delete it
    client = client_as(request.getfixturevalue(who))
    assert client.get(delete_url(sl)).status_code == 404
    assert client.post(delete_url(sl)).status_code == 404
    assert SmartList.objects.filter(pk=sl.pk).exists()


def test_anonymous_is_sent_to_log_in(client, rep):
    sl = smartlist(rep)
    assert client.get(delete_url(sl)).status_code == 302
    assert client.post(delete_url(sl)).status_code == 302
    assert SmartList.objects.filter(pk=sl.pk).exists()


def test_a_missing_list_is_404(client_as, rep):
    assert client_as(rep).get(reverse("smartlists:delete", args=[999999])).status_code == 404
