"""API tokens: made by a management command, shown once, stored as a digest, revocable."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from conflicts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_create_api_token_prints_the_token_once_and_stores_only_its_digest() -> None:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "control panel", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert raw.startswith("ce_") and len(raw) == 46
    assert (token.name, token.prefix, token.hashed) == (
        "control panel",
        raw[:11],
        hashlib.sha256(raw.encode()).hexdigest(),
    )
    assert raw not in str(ApiToken.objects.values().get())
    assert "not shown again" in err.getvalue()


def test_a_token_is_found_by_its_clear_text_only() -> None:
    token, raw = ApiToken.issue("ci")
    assert ApiToken.find(raw) == token
    assert ApiToken.find(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert ApiToken.find(token.hashed) is None


def test_a_revoked_token_is_not_found() -> None:
    token, raw = ApiToken.issue("ci")
    token.revoke()
    assert ApiToken.find(raw) is None


def test_using_a_token_records_when(test_index) -> None:
    token, raw = ApiToken.issue("ci")
    Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/reports/00000000-0000-0000-0000-000000000000")
    token.refresh_from_db()
    assert token.last_used is not None


def test_the_admin_revokes_tokens(admin_client) -> None:
    token, _raw = ApiToken.issue("ci")
    admin_client.post("/admin/conflicts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked is not None
