"""Routes of the conflicts app; the permalink of a report is /r/<id>/."""

from django.urls import path

from conflicts.web import views

app_name = "conflicts"
DOWNLOADS = "<str:filename>"
urlpatterns = [
    path("", views.home, name="home"),
    path("r/<uuid:report_id>/", views.report, name="report"),
    path("r/<uuid:report_id>/progress/", views.progress, name="progress"),
    path("r/<uuid:report_id>/stop/", views.stop, name="stop"),
    path("r/<uuid:report_id>/status.json", views.status_json, name="status"),
    path("r/<uuid:report_id>/graph.svg", views.graph_svg, name="graph_svg"),
    path("r/<uuid:report_id>/tree/", views.tree, name="tree"),
    path("r/<uuid:report_id>/node/<path:name>/", views.node, name="node"),
    path("r/<uuid:report_id>/rerun/", views.rerun, name="rerun"),
    path("r/<uuid:report_id>/as-of/", views.rerun_as_of, name="rerun_as_of"),
    path("r/<uuid:report_id>/full-index/", views.rerun_on_full_index, name="rerun_full_index"),
    path("r/<uuid:report_id>/what-broke/", views.what_broke, name="what_broke"),
    path("r/<uuid:report_id>/download/<str:filename>", views.download, name="download"),
]
