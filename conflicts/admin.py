from django.contrib import admin

from conflicts.models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "created", "status", "python_version", "platform", "index_name", "attempts"]
    list_filter = ["status", "python_version"]
    readonly_fields = [f.name for f in Report._meta.fields]
    search_fields = ["id"]
