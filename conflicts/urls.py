"""Routes of the conflicts app."""

from django.urls import path

from conflicts import views

app_name = "conflicts"
urlpatterns = [
    path("", views.home, name="home"),
]
