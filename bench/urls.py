from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/floor/", views.floor, name="bench_floor"),
    path("bench/import-export/<int:pk>/", views.import_export, name="bench_import_export"),
    path("", include("crm.urls")),
]
