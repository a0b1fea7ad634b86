"""The catalogue cannot go stale: what it discovers is checked against the URLconf, the models and
the forms the views use, and every edit form it finds has its two-writer test."""

import inspect

from django import forms
from django.apps import apps
from django.db import models

from tests.reliability import catalogue
from tests.reliability.test_create_once import CREATE_FORMS
from tests.reliability.test_two_writers import EDIT_FORMS, VERSION_FIELDS

# Date and number columns no form offers, and why nobody types them.
COMPUTED = {
    "subscriptions.SubscriptionSummary": "computed from periods by the summary job",
    "subscriptions.SummaryRun": "the summary job's own record",
    "subscriptions.OwnerPipeline": "an owner's stored pipeline, computed from the summaries when a report reads it",
    "subscriptions.OwnerPipelineGroup": "an owner's stored pipeline, computed from the summaries when a report reads it",
    "subscriptions.OwnerPipelineEnding": "an owner's stored pipeline, computed from the summaries when a report reads it",
    "subscriptions.OwnerPipelineStale": "a mark written by period writes and by triggers on contacts",
    "subscriptions.OwnerMovements": "an owner's stored MRR movements, computed from the periods when a report reads them",
    "subscriptions.OwnerMovementMonth": "an owner's stored MRR movements, computed from the periods when a report reads them",
    "subscriptions.OwnerMovementStale": "a mark written by period writes and by triggers on contacts",
    "smartlists.ExportJob": "the export job's progress",
    "renewals.Notice": "the notice sweep's record",
    "subscriptions.PeriodChange": "the audit row of a period's change, written by the services",
    "crm.ContactChange": "the audit row of a bulk action, written by crm.bulk",
    "crm.BulkJob": "a bulk action's job: its rows come from the bulk form, its counts from the job",
    "crm.BulkJobContact": "the rows a bulk job holds, stored by the statement that counts them at its confirmation",
    "subscriptions.ReportingCurrency": "its version and rates revision move on with each change (subscriptions.rates)",
    "subscriptions.ExchangeRateChange": "the audit row of a rate's change, written by subscriptions.rates",
}
# Forms that write without a version or a token, and why (the POST URLs are checked in test_form_inventory).
UNVERSIONED = {
    "crm.views.customize.FeatureSwitchForm": "sets a feature to a state: idempotent (test_form_inventory.ACTIONS)",
    "crm.admin_versions.SubmissionForm": "reads the admin add form's token, never shown on its own",
    "smartlists.queries.SortForm": "reads a smart list page's sort from the query string (GET), writes nothing",
    "smartlists.queries.FilterForm": "the base of a smart list's filter form, read from the query string (GET)",
    "subscriptions.forms.RefreshForm": "the period form's no-JavaScript 'Update the form' button: shows fields, saves nothing",
    "smartlists.forms.ListStateForm": "the list's state posted with ExportForm's token (one job per submission)",
    "subscriptions.forms.PipelineForm": "the pipeline report's as-of day, read from the query string (GET), writes nothing",
    "subscriptions.forms.MovementsForm": "the movements report's months and owner, read from the query string (GET), writes nothing",
}


def test_every_product_view_is_in_a_module_the_catalogue_reads():
    modules = {module.__name__ for module in catalogue.product_modules()}
    product_views = [view for view in (r.view for r in catalogue.routes()) if view.__module__.split(".")[0] in catalogue.APPS]
    assert product_views
    assert {view.__module__ for view in product_views} <= modules


def test_every_form_a_view_module_uses_is_catalogued():
    catalogued = {info.key for info in catalogue.all_forms()}
    for module in catalogue.product_modules():
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, forms.BaseForm) and value.__module__.split(".")[0] in catalogue.APPS:
                admin_base = value in {a.form for a in catalogue.product_admins().values()}
                assert admin_base or f"{value.__module__}.{value.__qualname__}" in catalogued


def test_every_editable_date_and_number_column_is_in_a_catalogued_form_or_computed():
    offered = {f.name for f in catalogue.date_fields() + catalogue.number_fields()}
    for model in apps.get_models():
        label = f"{model._meta.app_label}.{model.__name__}"
        if model._meta.app_label not in catalogue.APPS or label in COMPUTED:
            continue
        for field in model._meta.concrete_fields:
            typed = isinstance(field, models.DateField | models.DecimalField | models.IntegerField | models.FloatField)
            if typed and field.editable and not field.primary_key and not isinstance(field, models.DateTimeField):
                assert field.name in offered, f"{label}.{field.name}: in no catalogued form (add it to COMPUTED if computed)"


def test_a_new_date_number_or_people_field_is_picked_up():
    from crm.models import Contact

    canary = type("CanaryForm", (forms.Form,), {
        "__module__": "crm.forms", "when": forms.DateField(), "how_many": forms.DecimalField(),
        "who": forms.ModelChoiceField(queryset=Contact.objects.none()),
    })
    catalogue.all_forms.cache_clear()
    try:
        keys = ({f.key for f in catalogue.date_fields()}, {f.key for f in catalogue.number_fields()},
                {f.key for f in catalogue.people_fields()})
        assert ("crm.forms.CanaryForm.when" in keys[0] and "crm.forms.CanaryForm.how_many" in keys[1]
                and "crm.forms.CanaryForm.who" in keys[2])
    finally:
        del canary
        import gc

        gc.collect()
        catalogue.all_forms.cache_clear()


# Where each of the product's versioned forms posts.
VERSIONED_FORM_URLS = {
    "crm.forms.ContactForm": ["contact_edit"],
    "renewals.forms.ActionForm": ["renewals:change_agreed", "renewals:change_cancellation"],
    "renewals.forms.CommunicationOwnerForm": ["renewals:change_communication_owner"],
    "renewals.forms.PrimaryContactForm": ["renewals:change_primary_contact"],
    "renewals.forms.TakeBackForm": ["renewals:change_take_back"],
    "renewals.forms.ColumnsForm": ["renewals:columns"],
    "renewals.forms.PartnerDefaultsForm": ["renewals:settings"],
    "smartlists.forms.ColumnsForm": ["smartlists:columns"],
    "smartlists.forms.ListWriteForm": ["smartlists:save_filters"],
    "smartlists.forms.SmartListForm": ["smartlists:edit"],
    "subscriptions.forms.DeleteForm": ["subscriptions:period_delete"],
    "subscriptions.forms.PeriodForm": ["subscriptions:period_edit"],
    "subscriptions.forms.PeriodChangeForm": ["subscriptions:period_change"],
    "subscriptions.rate_forms.RateForm": ["subscriptions:rate_edit"],
    "subscriptions.rate_forms.ReportingCurrencyForm": ["subscriptions:reporting_currency"],
    "subscriptions.rate_forms.RateDeleteForm": ["subscriptions:rate_delete"],
}


def test_every_edit_form_has_a_two_writer_test():
    """A catalogued form that carries a version is an edit form: the URL it posts to has its
    two-writer row; the admin's change forms each have theirs. The others are read-only (bound to
    the query string), create forms (a token) or written down above."""
    edit_urls = {case.second.url_name for case in EDIT_FORMS} | {case.first.url_name for case in EDIT_FORMS}
    read_only = {key for places in catalogue.view_parsed_parameters().values() for key in places}
    versioned, unaccounted = [], []
    for info in catalogue.all_forms():
        if info.key.startswith("admin:"):
            if info.key.endswith("_change"):
                assert info.key in edit_urls, f"{info.key}: add a two-writer row"
                versioned.append(info.key)
            else:
                assert info.key in {form.url_name for form in CREATE_FORMS}, info.key
            continue
        if set(info.fields) & VERSION_FIELDS:
            versioned.append(info.key)
        elif not ("submission" in info.fields or info.key.startswith("filterset:") or info.key in read_only
                  or info.key in UNVERSIONED):
            unaccounted.append(info.key)
    assert unaccounted == [], "a form writes without a version or a token"
    product = {key for key in versioned if not key.startswith("admin:")}
    assert product == VERSIONED_FORM_URLS.keys(), "a new versioned form: say where it posts"
    for key, urls in VERSIONED_FORM_URLS.items():
        assert set(urls) <= edit_urls, f"{key}: add a two-writer row for {set(urls) - edit_urls}"
