from django.urls import include, path

from bench import limits, views

urlpatterns = [
    path("bench/floor/", views.floor, name="bench_floor"),
    path("bench/import-export/<int:pk>/", views.import_export, name="bench_import_export"),
    # Each measured page's limit (bench/limits.py): the same visible content, essential work only.
    path("bench/limits/layout/", limits.layout_only, name="bench_limit_layout"),
    path("bench/limits/contacts/", limits.contact_list, name="bench_limit_contact_list"),
    path("bench/limits/contacts/<int:pk>/", limits.contact_page, name="bench_limit_contact_page"),
    path("bench/limits/smartlists/<int:pk>/", limits.smartlist_page, name="bench_limit_smartlist"),
    path("bench/limits/renewals/", limits.partner_dashboard, name="bench_limit_dashboard"),
    path("bench/limits/pipeline/", limits.pipeline, name="bench_limit_pipeline"),
    path("", include("crm.urls")),
]
