"""Schemathesis over the OpenAPI schema, in process: generated requests never get a 5xx or an off-schema answer.

Value limits (k range, question length) are the engine's, not the schema's, so a schema-valid k=1000 is a
400 by design: the checks are about the server and its answers, not about acceptance of every valid input.
"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from search_api.app import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_api_conforms_to_its_schema(engine):
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(engine=engine, admin_token="fuzz-token"))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"GET /search", "POST /ask", "GET /passages/{passage_id}", "POST /admin/reload"}
    statuses: list[int] = []
    for operation in operations:  # schemathesis' own pytest plugin does not load under this pytest

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            statuses.append(case.call_and_validate(checks=CHECKS).status_code)

        fuzz()
    assert len(statuses) >= 5 * len(operations) and 200 in statuses and any(400 <= s < 500 for s in statuses)
