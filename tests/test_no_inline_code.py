"""No template of the product carries code or style inline: the Content-Security-Policy
(script-src 'self', style-src 'self', no 'unsafe-inline', no 'unsafe-eval') would refuse it in the
browser, silently for the user. Behaviour goes in static/js, looks in static/css.

E-mails are not pages: their templates keep the inline styles mail clients need.
"""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

NOT_PAGES = {"renewals/email/notice.html"}

INLINE = {
    "an on…= event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    # htmx reads its attributes with or without the data- prefix
    "hx-on (run through eval)": re.compile(r"\s(data-)?hx-on\b", re.IGNORECASE),
    "hx-vars or a js: value (run through eval)": re.compile(
        r"\s(data-)?hx-vars\b|\s(data-)?hx-vals\s*=\s*['\"]\s*(js|javascript):", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "an inline <script> (one without src)": re.compile(r"<script\b(?![^>]*\ssrc\s*=)[^>]*>", re.IGNORECASE),
    "a <style> element": re.compile(r"<style\b", re.IGNORECASE),
    "a style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
}
# Template comments say what they like; they never reach the browser. Their lines are kept, so
# the line numbers reported are the file's own.
COMMENT = re.compile(r"{#.*?#}|{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", re.DOTALL)


def _templates() -> dict[str, Path]:
    """Every template file of the project's own apps (Django's and Jinja2's) and its templates/
    folder, by template name."""
    roots = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(app.path) / folder for app in apps.get_app_configs() for folder in ("templates", "jinja2")
              if Path(app.path).parent == settings.BASE_DIR]
    return {path.relative_to(root).as_posix(): path for root in roots for path in sorted(root.rglob("*.html"))}


def _findings(text: str) -> list[tuple[int, str]]:
    text = COMMENT.sub(lambda comment: "\n" * comment.group().count("\n"), text)
    return [(text.count("\n", 0, match.start()) + 1, what)
            for what, pattern in INLINE.items() for match in pattern.finditer(text)]


def test_no_template_has_inline_scripts_handlers_or_styles():
    templates = _templates()
    assert {"base.html", "smartlists/smartlist_detail.html", "subscriptions/panel.html",
            "subscriptions/movements_sections.html"} <= set(templates)
    assert NOT_PAGES <= set(templates)  # the exemption names a file that exists
    found = [f"{path.relative_to(settings.BASE_DIR)}:{line}: {what}"
             for name, path in templates.items() if name not in NOT_PAGES
             for line, what in _findings(path.read_text(encoding="utf-8"))]
    assert found == [], "move these into static/js or static/css:\n" + "\n".join(found)


def test_the_check_finds_each_kind_of_inline_code():
    page = """{# an onclick="x()" in a comment is fine #}
<select onchange="this.form.submit()">
<form hx-on::before-swap="go()">
<div data-hx-vals='js:{a: 1}'>
<a href="javascript:void(0)">
<script>alert(1)</script><script src="/static/js/app.js" defer></script>
<style>p {}</style>
<div style="max-height: 24rem">"""
    assert sorted(_findings(page)) == [
        (2, "an on…= event handler"), (3, "hx-on (run through eval)"), (4, "hx-vars or a js: value (run through eval)"),
        (5, "a javascript: URL"), (6, "an inline <script> (one without src)"), (7, "a <style> element"),
        (8, "a style= attribute"),
    ]
