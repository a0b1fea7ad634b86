from django.urls import include, path

from bench import limits, views


def _limit_patterns(queries_only: bool):
    """Each measured page's limit (bench/limits.py): the same visible content, essential work only;
    or, `queries_only`, the same reads answered with an empty body."""
    view = limits.queries_only if queries_only else (lambda limit: limit)
    return [
        path("contacts/", view(limits.contact_list)),
        path("contacts/<int:pk>/", view(limits.contact_page)),
        path("smartlists/<int:pk>/", view(limits.smartlist_page)),
        path("renewals/", view(limits.partner_dashboard)),
        path("pipeline/", view(limits.pipeline)),
        path("api/contacts/", view(limits.api_contact_list)),
    ]


urlpatterns = [
    path("bench/floor/", views.floor, name="bench_floor"),
    path("bench/import-export/<int:pk>/", views.import_export, name="bench_import_export"),
    path("bench/limits/layout/", limits.layout_only, name="bench_limit_layout"),
    path("bench/limits/queries/", include(_limit_patterns(queries_only=True))),
    path("bench/limits/", include(_limit_patterns(queries_only=False))),
    path("", include("crm.urls")),
]
