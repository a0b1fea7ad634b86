from django.urls import reverse


def test_deactivating_a_user_ends_their_session(client_as, rep, contact):
    client = client_as(rep)
    assert client.get(reverse("contact_list")).status_code == 200
    rep.is_active = False
    rep.save()
    response = client.get(contact.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_deactivated_user_cannot_log_in(client, rep):
    rep.is_active = False
    rep.save()
    response = client.post(reverse("login"), {"username": "rep", "password": "pw"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_security_headers_on_every_page(client_as, rep):
    response = client_as(rep).get(reverse("contact_list"), secure=True)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]


def test_session_and_csrf_cookies_are_secure_and_http_only(client, rep):
    page = client.get(reverse("login"), secure=True)
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"
    response = client.post(reverse("login"), {"username": "rep", "password": "pw"}, secure=True)
    session = response.cookies["sessionid"]
    assert session["secure"] is True and session["httponly"] is True and session["samesite"] == "Lax"
