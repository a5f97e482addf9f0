"""A bounded schemathesis run against our own /api/openapi.json through the WSGI app:
valid and invalid requests to every operation, judged by every check schemathesis has
(no 5xx; status code, content type, headers and body as documented; invalid data
refused; valid data accepted; a missing or wrong token refused; methods a path does not
take answered 405 with `Allow`).

The token is given to schemathesis as the document's bearer auth (not as a header of our
own on every call), so its auth checks can take it away and see the 401.

Valid data is "accepted" when answered 2xx, or refused by a rule no schema can state: 404
(the SKU, location or id named does not exist), 409 (not enough stock, a wrong state),
422 (a rule of the domain: a lot required, a reason people may not choose) or 413 (a
body within the schema's list lengths but over the byte limit)."""

import itertools
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS as REGISTERED
from schemathesis.specs.openapi import checks as _openapi_checks  # noqa: F401  (registers them)

CHECKS = REGISTERED.get_all()
ACCEPTED = ["2XX", "404", "409", "413", "422"]
# Bounded by example counts, not by a clock: a time budget made the run's coverage (and
# so this test) depend on how busy the machine was.
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}


def test_the_api_survives_fuzzing_against_its_own_document(app, stocked, token_for):
    token = token_for("admin")
    # The token reads the document; the calls get it from the auth below.
    schema = schemathesis.openapi.from_wsgi(
        "/api/openapi.json", app, headers={"Authorization": f"Bearer {token}"}
    )
    schema.config.checks.positive_data_acceptance.expected_statuses = ACCEPTED

    @schema.auth()
    class Bearer:
        def get(self, case, ctx):
            return token

        def set(self, case, data, ctx):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    named = {check.__name__ for check in CHECKS}  # every check, not just the not-a-500 one
    assert {
        "negative_data_rejection",
        "positive_data_acceptance",
        "ignored_auth",
        "unsupported_method",
    } <= named
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
            response = case.call()
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
