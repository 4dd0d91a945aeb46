"""Top-level URL routes; each app owns its own urls module, the JSON API its versioned prefix."""

from django.contrib import admin
from django.urls import include, path

from conflicts.api.routes import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("conflicts.urls")),
]
