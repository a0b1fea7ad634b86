from django.urls import path

from smartlists.views import bulk, exports, lists

app_name = "smartlists"
urlpatterns = [
    path("", lists.index, name="index"),
    path("new/", lists.create, name="create"),
    path("ready-made/ending-soon/", lists.ready_made, name="ready_made"),
    path("pipeline/", lists.pipeline, name="pipeline"),
    path("movements/", lists.movements, name="movements"),
    path("<int:pk>/", lists.detail, name="detail"),
    path("<int:pk>/edit/", lists.edit, name="edit"),
    path("<int:pk>/delete/", lists.delete, name="delete"),
    path("<int:pk>/columns/", lists.columns, name="columns"),
    path("<int:pk>/filters/", lists.save_filters, name="save_filters"),
    path("<int:pk>/bulk/", bulk.bulk, name="bulk"),
    path("<int:pk>/export.csv", exports.export_csv, name="export"),
    path("<int:pk>/exports/", exports.export_start, name="export_start"),
    path("exports/<int:pk>/", exports.export_job, name="export_job"),
    path("exports/<int:pk>/download/", exports.export_download, name="export_download"),
]
