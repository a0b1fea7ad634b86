from django.urls import path

from renewals.views import actions, customers, dashboard, organisation

app_name = "renewals"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("columns/", dashboard.columns_save, name="columns"),
    path("settings/", organisation.organisation_settings, name="settings"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer"),
    path("customers/<int:pk>/end-association/", customers.association_end, name="end_association"),
    path("changes/<int:pk>/menu/", actions.change_menu, name="change_menu"),
    path("changes/<int:pk>/primary-contact/", actions.change_primary_contact, name="change_primary_contact"),
    path("changes/<int:pk>/communication-owner/", actions.change_communication_owner, name="change_communication_owner"),
    path("changes/<int:pk>/agreed/", actions.change_agreed, name="change_agreed"),
    path("changes/<int:pk>/cancellation/", actions.change_cancellation, name="change_cancellation"),
    path("changes/<int:pk>/take-back/", actions.change_take_back, name="change_take_back"),
]
