from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class ConflictsConfig(AppConfig):
    name = "conflicts"
    verbose_name = "Conflict Explorer"

    def ready(self) -> None:
        # kombu's filesystem transport (the embedded broker) needs its folders to exist.
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
                if options.get(key):
                    Path(options[key]).mkdir(parents=True, exist_ok=True)
