"""`manage.py create_api_token NAME`: make a token for a client of the JSON API and print it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from conflicts.models import ApiToken


class Command(BaseCommand):
    help = "Create an API token and print it; only its digest is stored, so it cannot be shown again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Who uses the token, e.g. 'control panel (production)'.")

    def handle(self, *args: Any, **options: Any) -> None:
        token, raw = ApiToken.issue(options["name"])
        # The token alone on stdout, so `TOKEN=$(manage.py create_api_token NAME)` works.
        self.stdout.write(raw)
        self.stderr.write(f"Created {token}; store it now, it is not shown again.")
        self.stderr.write(f"Its webhook signing secret (unless API_WEBHOOK_SECRET is set): {token.webhook_secret()}")
