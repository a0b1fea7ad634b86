from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/columns/", views.mapping, name="mapping"),
    path("<int:pk>/run/", views.run, name="run"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/rejected.csv", views.rejected, name="rejected"),
]
