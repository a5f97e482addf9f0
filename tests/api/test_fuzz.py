"""A bounded schemathesis run against our own /api/openapi.json through the WSGI app:
valid and invalid requests to every operation; no 5xx, and every answer (status code,
content type, body) matches the document.

schemathesis' negative_data_rejection check is left out: we send the bearer token
ourselves, so its "Authorization removed" mutations are not really sent; the contract
tests assert each rejection explicitly instead."""
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}
BUDGET_SECONDS = 20  # per engine: the run stops taking new operations after this


def test_the_api_survives_fuzzing_against_its_own_document(app, stocked, token_for):
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    stop_at = time.monotonic() + BUDGET_SECONDS
    exercised, statuses = 0, Counter()
    for operation in operations:
        for mode, examples in EXAMPLES.items():
            if time.monotonic() > stop_at:
                break
            checks = CHECKS

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def run(case):
                response = case.call(headers=headers)
                statuses[response.status_code] += 1
                case.validate_response(response, checks=checks)

            run()
        exercised += 1
    if exercised < len(operations):
        pytest.fail(f"fuzzing budget ran out after {exercised} of {len(operations)} operations")
    print(sorted(statuses.items()))
    # The run reached the endpoints' logic, not only their validation.
    assert statuses[200] + statuses[201] > 50 and statuses[422] > 50, statuses
