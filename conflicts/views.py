"""Views of the conflicts app: thin, they validate and render stored data."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "conflicts/home.html")
