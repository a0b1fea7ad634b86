from django.urls import path

from subscriptions import movement_views, rates_views, views

app_name = "subscriptions"
urlpatterns = [
    path("pipeline/", views.pipeline, name="pipeline"),
    path("movements/", movement_views.movements, name="movements"),
    path("movements.csv", movement_views.movements_csv, name="movements_csv"),
    path("contacts/<int:pk>/", views.contact_subscription, name="contact"),
    path("contacts/<int:pk>/history/", views.history, name="history"),
    path("contacts/<int:pk>/periods/new/", views.period_create, name="period_create"),
    path("contacts/<int:pk>/periods/form-part/", views.period_form_part, name="period_form_part"),
    path("contacts/<int:pk>/periods/change/", views.period_change, name="period_change"),
    path("periods/<int:pk>/edit/", views.period_edit, name="period_edit"),
    path("periods/<int:pk>/delete/", views.period_delete, name="period_delete"),
    # The reporting currency and the exchange rates (admins)
    path("rates/", rates_views.rate_list, name="rates"),
    path("rates/history/", rates_views.rate_history, name="rate_history"),
    path("rates/currency/", rates_views.reporting_currency, name="reporting_currency"),
    path("rates/new/", rates_views.rate_create, name="rate_create"),
    path("rates/<int:pk>/edit/", rates_views.rate_edit, name="rate_edit"),
    path("rates/<int:pk>/delete/", rates_views.rate_delete, name="rate_delete"),
]
