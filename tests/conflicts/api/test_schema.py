"""Schemathesis against the live app: generated requests for every operation, valid and invalid.

At least 100 examples per operation, in positive and negative modes, through pytest-django's live
server with a real token. No answer may be a 5xx, and every answer must match the schema: its
status code, media type, headers and body. Ids that parse as UUIDs are swapped for the ids of real
reports of every kind (resolved, conflict, error, failed, running) most of the time, so the JSON
report v1 itself is checked, not only 404s.
"""

from __future__ import annotations

import json
import os
import time
import uuid

import pytest
import schemathesis
from django.core.serializers.json import DjangoJSONEncoder
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conflicts.api.routes import api
from conflicts.jobs import run, submit
from conflicts.models import ApiToken, Report, Status
from tests.support.api import CLASSIC

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# At least 100 per operation; SCHEMATHESIS_EXAMPLES=1000 digs deeper.
EXAMPLES = max(100, int(os.environ.get("SCHEMATHESIS_EXAMPLES", "100")))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
TIMINGS: dict[str, list[float]] = {}


@pytest.fixture
def known_reports(test_index) -> list[str]:
    ids = []
    for text in (CLASSIC, "wagtail\n", "nope\n", "django>=>2\n"):
        report = submit.submit_report({"requirements.in": text}, roots=["requirements.in"], python_version="3.11",
                                         platform="manylinux_2_28_x86_64", index_name="test index")  # fmt: skip
        run.run_report(report.id)
        ids.append(str(report.id))
    for status in (Status.FAILED, Status.RUNNING):
        report = Report.objects.create(files={}, python_version="3.11", platform="any", status=status, error="stopped")
        ids.append(str(report.id))
    return ids


@pytest.fixture
def token(transactional_db) -> str:
    return ApiToken.issue("schemathesis")[1]


def served_schema() -> dict:
    """The document /api/v1/openapi.json serves (test_openapi checks it is valid and served)."""
    return json.loads(json.dumps(api.get_openapi_schema(), cls=DjangoJSONEncoder))


# Loaded when the module is collected: schemathesis makes one test per operation from it. (Its lazy
# from_fixture loader, which could read the live server's copy, does not work with pytest 9.)
schema = schemathesis.openapi.from_dict(served_schema())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES)


@pytest.fixture
def live_api(live_server, settings, client) -> str:
    settings.API_THROTTLE = "1000000/min"  # throttling has its own tests; here it would only add 429s
    assert client.get("/api/v1/openapi.json").json() == served_schema()
    return live_server.url


def with_known_id(case, known: list[str]) -> None:
    """Most generated UUIDs become the id of a real report; the rest stay unknown (404)."""
    report_id = (case.path_parameters or {}).get("id")
    try:
        number = uuid.UUID(str(report_id)).int
    except ValueError:
        return
    if number % 8 < len(known):
        case.path_parameters["id"] = known[number % 8]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_matches_the_schema_and_none_is_a_server_error(case, token, known_reports, live_api) -> None:
    with_known_id(case, known_reports)
    started = time.perf_counter()
    case.call_and_validate(base_url=live_api, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
    TIMINGS.setdefault(case.operation.label, []).append(time.perf_counter() - started)


def test_created_reports_followed_by_their_links_match_the_schema(token, live_api) -> None:
    """Stateful: a created report's id, taken through the schema's links, into the read routes."""

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case) -> dict:
            return {"base_url": live_api, "headers": {"Authorization": f"Bearer {token}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            case.validate_response(response, checks=CHECKS)

    Workflow.run(settings=settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck)))


def test_the_schema_run_reached_every_operation_with_enough_examples() -> None:
    """Runs after the generated tests (same module, in order) and reports their figures."""
    if not TIMINGS:
        pytest.skip("the schemathesis tests did not run in this session")
    for operation, times in sorted(TIMINGS.items()):
        print(f"{operation}: {len(times)} requests, {sum(times):.1f} s")
    assert len(TIMINGS) == 6
    assert all(len(times) >= EXAMPLES for times in TIMINGS.values())
