"""docker-compose.yml read against the code: the web's health check, as written, is answered."""

import re
import shlex
import urllib.parse
from pathlib import Path

import yaml
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def _env_file(path: Path) -> dict:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line.strip() and not line.startswith("#"))
    return {key.strip(): value for key, value in pairs}


ENV_EXAMPLE = _env_file(ROOT / ".env.example")


def _healthcheck(name: str) -> str:
    """The shell command a health check runs, with compose's `$$` unescaped."""
    test = SERVICES[name]["healthcheck"]["test"]
    kind, *rest = test
    command = rest[0] if kind == "CMD-SHELL" else shlex.join(rest)
    assert kind in ("CMD", "CMD-SHELL"), name
    return command.replace("$$", "$")


def _web_url() -> urllib.parse.SplitResult:
    return urllib.parse.urlsplit(re.search(r"https?://[^'\"\s]+", _healthcheck("web")).group())


def test_the_web_health_check_request_gets_200_json_in_production(client, settings, db):
    # Production as .env.example sets it: DEBUG off, the HTTPS redirect on, only the site's name allowed.
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ENV_EXAMPLE["ALLOWED_HOSTS"].split(",")
    assert "127.0.0.1" not in settings.ALLOWED_HOSTS
    url = _web_url()
    response = client.get(url.path, HTTP_HOST=url.netloc)  # plain HTTP, Host 127.0.0.1:8000
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json" and response.json()["database"] == "ok"
    assert client.get(url.path, HTTP_HOST=settings.ALLOWED_HOSTS[0]).status_code == 200  # no HTTPS redirect
    # Only /healthz: every other page still refuses that Host, and sends the site's own to HTTPS.
    assert client.get(reverse("login"), HTTP_HOST=url.netloc).status_code == 400
    redirected = client.get(reverse("login"), HTTP_HOST=settings.ALLOWED_HOSTS[0])
    assert redirected.status_code == 301 and redirected["Location"].startswith("https://")
    assert client.post(url.path, HTTP_HOST=url.netloc).status_code == 405
