"""The Jinja2 environment, for the markup of tables too large for Django's engine (STYLE 9: a slow
table is answered by a faster engine, never by hand-written HTML). Autoescaping, as Django's.

Its templates live in an app's `jinja2/` folder and are rendered into a Django page's region
(`render_region`). They translate with Django's catalogues: `{{ _("Text") }}`, and a text with
values `{{ _("In %(currency)s")|format(currency=code) }}`, the shapes `makemessages` reads from a
template (never Jinja's `{% trans %}`, which it would misread)."""

from django.template import defaultfilters
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from jinja2 import Environment
from markupsafe import Markup

ENGINE = "jinja2"  # settings.TEMPLATES' NAME of this engine


def environment(**options) -> Environment:
    env = Environment(**options, extensions=["jinja2.ext.i18n"])
    # Old-style callables: `_` returns the text, formatted by `|format` where it takes values.
    env.install_gettext_callables(gettext, ngettext, newstyle=False)
    env.globals["url"] = reverse
    env.filters["date"] = defaultfilters.date
    return env


def render_region(template_name: str, context: dict, request=None) -> Markup:
    """A Jinja2 template's markup, to write into a Django template's page as it is: Jinja2's own
    type for markup it wrote with every value escaped, which Django's engine writes unescaped
    (`__html__`), as it does its own templates' output."""
    return Markup(get_template(template_name, using=ENGINE).render(context, request))
