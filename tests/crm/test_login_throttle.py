"""Login throttling (django-axes): 40 wrong passwords in 39 s, then the right one, once worked.

Five wrong passwords lock that username from that address out, with a clear message, even for the
right password; another address is not locked; an admin unlocks it in the admin.
"""

from axes.models import AccessAttempt
from django.urls import reverse

from crm.models import User
from tests.factories import UserFactory

LOGIN = "/accounts/login/"


def attempt(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_the_username_from_that_address(client, db):
    UserFactory(username="rita", password="right-horse-battery")
    for _ in range(4):
        assert attempt(client, "rita", "wrong").status_code == 200  # the form again, with its error
    locked = attempt(client, "rita", "wrong")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text and "After 5 wrong passwords" in locked.text
    # The right password no longer helps from here, and nobody is logged in.
    again = attempt(client, "rita", "right-horse-battery")
    assert again.status_code == 429 and "_auth_user_id" not in client.session
    # The same user from another address, and another user from this one, still log in.
    assert attempt(client, "rita", "right-horse-battery", address="10.0.0.2").status_code == 302
    client.logout()
    UserFactory(username="otto", password="other-horse-battery")
    assert attempt(client, "otto", "other-horse-battery").status_code == 302


def test_the_lockout_page_speaks_the_users_language(client, db):
    UserFactory(username="rita", password="right-horse-battery")
    for _ in range(5):
        attempt(client, "rita", "wrong")
    locked = client.post(LOGIN, {"username": "rita", "password": "wrong"}, REMOTE_ADDR="10.0.0.1",
                         headers={"accept-language": "it"})
    assert locked.status_code == 429 and 'lang="it"' in locked.text
    assert "Too many failed logins" not in locked.text


def test_an_admin_unlocks_it_in_the_admin(client, admin_user, db):
    UserFactory(username="rita", password="right-horse-battery")
    for _ in range(5):
        attempt(client, "rita", "wrong")
    assert attempt(client, "rita", "right-horse-battery").status_code == 429
    [locked] = AccessAttempt.objects.filter(username="rita")

    client.force_login(admin_user)
    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "rita" in listing.text
    deleted = client.post(reverse("admin:axes_accessattempt_delete", args=[locked.pk]), {"post": "yes"})
    assert deleted.status_code == 302
    client.logout()
    assert attempt(client, "rita", "right-horse-battery").status_code == 302
    assert User.objects.get(username="rita").last_login is not None


PROXY = "10.9.9.9"  # every request reaches the application from the TLS proxy's address


def through_proxy(client, username, password, forwarded_for):
    """A login as the proxy passes it on: its own address as REMOTE_ADDR, the client's appended to
    X-Forwarded-For (after whatever the client wrote there itself)."""
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=PROXY,
                       HTTP_X_FORWARDED_FOR=forwarded_for)


def test_behind_a_trusted_proxy_the_attacker_is_locked_out_not_the_account_owner(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="rita", password="right-horse-battery")
    for _ in range(5):
        through_proxy(client, "rita", "wrong", "203.0.113.66")
    assert through_proxy(client, "rita", "right-horse-battery", "203.0.113.66").status_code == 429
    # Rita, from her own address through the same proxy, still logs in.
    assert through_proxy(client, "rita", "right-horse-battery", "198.51.100.7").status_code == 302
    client.logout()
    # The attacker cannot pass for her by writing her address in the header: the proxy's entry counts.
    forged = through_proxy(client, "rita", "right-horse-battery", "198.51.100.7, 203.0.113.66")
    assert forged.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}


def test_without_a_trusted_proxy_the_header_is_not_believed(client, db, settings):
    """By default (TRUSTED_PROXY_COUNT=0) X-Forwarded-For is the client's own text: changing it
    must not give an attacker a fresh count."""
    UserFactory(username="rita", password="right-horse-battery")
    for i in range(5):
        through_proxy(client, "rita", "wrong", f"192.0.2.{i}")
    assert through_proxy(client, "rita", "right-horse-battery", "192.0.2.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}
