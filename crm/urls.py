from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.v1 import urls as api_urls
from api.views import api_docs
from crm.views import bulk, contacts, customize, health, home

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/bulk/", bulk.contact_bulk, name="contact_bulk"),
    path("contacts/bulk/owners/", bulk.bulk_owner_choices, name="bulk_owner_choices"),
    path("contacts/bulk/jobs/<int:pk>/", bulk.bulk_job, name="bulk_job"),
    path("contacts/bulk/jobs/<int:pk>/cancel/", bulk.bulk_job_cancel, name="bulk_job_cancel"),
    path("contacts/new/", contacts.contact_create, name="contact_create"),
    path("contacts/choices/owners/", contacts.contact_owner_choices, name="contact_owner_choices"),
    path("contacts/choices/organisations/", contacts.contact_organisation_choices, name="contact_organisation_choices"),
    path("contacts/<int:pk>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("settings/", customize.settings_index, name="settings_index"),
    path("settings/customize/<slug:name>/", customize.customize_feature, name="customize_feature"),
    path("settings/api-tokens/", include("api.urls")),
    path("subscriptions/", include("subscriptions.urls")),
    path("smartlists/", include("smartlists.urls")),
    path("renewals/", include("renewals.urls")),
    path("imports/", include("imports.urls")),
    path("api/v1/docs", api_docs, name="api_docs"),
    path("api/v1/", api_urls()),
    path("admin/", admin.site.urls),
]
