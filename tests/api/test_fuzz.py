"""A bounded schemathesis run against our own /api/openapi.json through the WSGI app:
valid and invalid requests to every operation; no 5xx, and every answer (status code,
content type, body) matches the document.

schemathesis' negative_data_rejection check is left out: we send the bearer token
ourselves, so its "Authorization removed" mutations are not really sent; the contract
tests assert each rejection explicitly instead."""

import itertools
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Bounded by example counts, not by a clock: a time budget made the run's coverage (and
# so this test) depend on how busy the machine was.
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}


def test_the_api_survives_fuzzing_against_its_own_document(app, stocked, token_for):
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    ran, statuses = Counter(), Counter()  # ran: examples really sent per (operation, mode)
    for mode, operation in itertools.product(EXAMPLES, operations):
        checks, label = CHECKS, operation.label

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            ran[label, mode] += 1
            case.validate_response(response, checks=checks)

        run()
    print(sorted(statuses.items()))
    for mode in EXAMPLES:
        missing = [op.label for op in operations if not ran[op.label, mode]]
        assert not missing, (
            f"no {mode.value} example could be generated for "
            f"{len(missing)} of {len(operations)} operations, e.g. {missing[:3]}"
        )
    # The run reached the endpoints' logic, not only their validation.
    assert statuses[200] + statuses[201] > 50 and statuses[422] > 50, statuses
