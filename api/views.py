"""The settings page of a person's own API tokens, and the API's docs page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api import tokens
from api.forms import ApiTokenForm
from api.models import ApiToken
from crm.http import HtmxHttpRequest


def _page(request, form, *, plain: str | None = None, made_before: ApiToken | None = None, status: int = 200):
    return render(request, "api/tokens.html", {
        "form": form, "plain": plain, "made_before": made_before, "tokens": ApiToken.objects.of(request.user),
    }, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def api_tokens(request: HtmxHttpRequest):
    """A person's tokens, and the form that makes one. A new token's secret is shown on the page
    that answers its creation, and never again: it is not stored anywhere (so no redirect: the page
    after one would have nothing to show). The same form posted again answers the same page, saying
    the token exists, without its secret."""
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return _page(request, form, status=422)
        token, plain = tokens.token_create(user=request.user, name=form.cleaned_data["name"],
                                           scope=form.cleaned_data["scope"], submission=form.cleaned_data["submission"])
        if plain is None:
            return _page(request, ApiTokenForm(), made_before=token)
        return _page(request, ApiTokenForm(), plain=plain)
    return _page(request, ApiTokenForm())


@require_POST
@login_required
def api_token_revoke(request: HtmxHttpRequest, pk: int):
    """Revoke one of one's own tokens (another's is a 404). A state, not an edit: revoking twice,
    from two tabs, revokes once."""
    token = get_object_or_404(ApiToken.objects.of(request.user), pk=pk)
    tokens.token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” is revoked: it opens nothing any more.") % {"name": token.name})
    return redirect("api_tokens")


@require_GET
def api_docs(request):
    """The API's reference, Swagger UI from static files (static/vendor), under the site's CSP."""
    return render(request, "api/docs.html")
