from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm import features, panels
from crm.access import admin_required
from crm.http import HtmxHttpRequest
from crm.models import Feature, FeatureChange


class FeatureSwitchForm(forms.Form):
    """Activate or Deactivate: the state the admin wants, not a toggle.

    It carries no version, on purpose. Its one value is the whole of what it writes, and setting a
    state is idempotent: two admins switching at once end in the state of the last action, every
    change of state recorded (`features.feature_set_active`), and nothing either of them typed is lost. A
    version would only refuse the second admin's click so they could make the same click again.
    """

    active = forms.TypedChoiceField(choices=[("1", "on"), ("0", "off")], coerce=lambda v: v == "1")


@require_GET
@login_required
@admin_required
def settings_index(request: HtmxHttpRequest):
    return render(request, "crm/settings_index.html",
                  {"all_features": features.all_features(), "entries": panels.settings_entries(request)})


@require_http_methods(["GET", "POST"])
@login_required
@admin_required
def customize_feature(request: HtmxHttpRequest, name: str):
    info = features.get(name)
    if request.method == "POST":
        form = FeatureSwitchForm(request.POST)
        if not form.is_valid():
            problem = _("Choose whether to activate or deactivate the feature.")
            return _feature_page(request, name, info, problem=problem, status=400)
        active = form.cleaned_data["active"]
        features.feature_set_active(name=name, active=active, by=request.user)
        if active:
            messages.success(request, _("%(feature)s activated.") % {"feature": info.label})
        else:
            messages.success(request, _("%(feature)s deactivated.") % {"feature": info.label})
        return redirect("customize_feature", name=name)
    return _feature_page(request, name, info)


def _feature_page(request, name: str, info, *, problem: str = "", status: int = 200):
    feature = Feature.objects.filter(name=name).first()
    history = FeatureChange.objects.filter(feature_id=name).select_related("changed_by")[:20]
    return render(
        request,
        "crm/customize_feature.html",
        {
            "info": info,
            "all_features": features.all_features(),
            "is_active": bool(feature and feature.is_active),
            "history": history,
            "problem": problem,
        },
        status=status,
    )
