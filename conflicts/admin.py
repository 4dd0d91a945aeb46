from django.contrib import admin

from conflicts.models import ApiToken, Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Read-only: a report is a permalink that never changes, and only a worker writes its result."""

    list_display = ["id", "created", "status", "python_version", "platform", "index_name", "attempts"]
    list_filter = ["status", "python_version"]
    readonly_fields = [f.name for f in Report._meta.fields]
    search_fields = ["id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by `manage.py create_api_token` (which shows the token once); here they are revoked."""

    list_display = ["name", "prefix", "created", "last_used", "revoked"]
    readonly_fields = ["name", "prefix", "created", "last_used", "revoked"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset) -> None:
        for token in queryset.filter(revoked__isnull=True):
            token.revoke()
