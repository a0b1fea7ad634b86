"""What a browser would post back: a form's fields as the page renders them.

Tests that read a form this way post what the person in front of the page would: the hidden
version or token included only if the template really renders it.
"""

from html.parser import HTMLParser

SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}


class _FormsParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            hx_post = attrs.get("data-hx-post") or attrs.get("hx-post")  # htmx reads both spellings
            self._form = {"action": attrs.get("action"), "hx-post": hx_post, "id": attrs.get("id"),
                          "method": (attrs.get("method") or "get").lower(), "fields": []}
            self.forms.append(self._form)
            return
        if self._form is None or attrs.get("name") is None and tag != "option" or "disabled" in attrs:
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in SKIPPED_INPUTS or (kind in ("checkbox", "radio") and "checked" not in attrs):
                return
            self._form["fields"].append((attrs["name"], attrs.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select":
            self._select = {"name": attrs["name"], "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": attrs.get("value"), "text": "", "selected": "selected" in attrs}
            self._select["options"].append(self._option)
        elif tag == "textarea":
            self._textarea = {"name": attrs["name"], "text": ""}

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea" and self._textarea is not None:
            self._form["fields"].append((self._textarea["name"], self._textarea["text"].removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            chosen = [option for option in options if option["selected"]] or ([] if self._select["multiple"] else options[:1])
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"].strip()
                self._form["fields"].append((self._select["name"], value))
            self._select = None


def read_form(html: str, *, action: str, page: str) -> dict:
    """The fields of the POST form of `html` that posts to `action` (a path), as a browser sends them.

    A form without an action posts to the page it is on (`page`). Repeated names give lists.
    The CSRF token is left out: the test client does not check it.
    """
    parser = _FormsParser()
    parser.feed(html)
    posting = [form for form in parser.forms if form["method"] == "post"]
    matches = [form for form in posting if action in (form["action"], form["hx-post"])]
    if not matches and action == page:
        matches = [form for form in posting if not form["action"] and not form["hx-post"]]
    assert matches, f"no form posting to {action} on the page"
    data: dict = {}
    for name, value in matches[0]["fields"]:
        if name == "csrfmiddlewaretoken":
            continue
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = value
    return data


def form_fields(html: str, *, form_id: str) -> list[tuple[str, str]]:
    """The (name, value) pairs the form with id `form_id` sends, GET or POST, as a browser sends them."""
    parser = _FormsParser()
    parser.feed(html)
    matches = [form for form in parser.forms if form["id"] == form_id]
    assert matches, f"no form with id {form_id} on the page"
    return [(name, value) for name, value in matches[0]["fields"] if name != "csrfmiddlewaretoken"]
