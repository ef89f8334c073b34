"""The e2e tests' scan for refused API calls: real 403s match, digits inside other numbers do not.

Two CI runs failed on false matches (a port :59403, a timestamp's 21.403Z), so the cases are kept.
"""

import pytest

from tests.fixtures.kube import refusals


@pytest.mark.parametrize(
    ("line", "refused"),
    [
        ("kopf.objects: APIForbiddenError: ('pipelines is forbidden: User ...', {'code': 403})", True),
        ("aiohttp.ClientResponseError: 403, message='Forbidden'", True),
        ("HTTP response headers ... (403)\nReason: Forbidden", True),
        ("status=403 reason=FORBIDDEN", True),
        ("2026-12-02T03:51:21.403Z INFO kopf.objects: Handler 'reconcile' succeeded.", False),
        ("connecting to https://127.0.0.1:59403/apis", False),
        ("uid 9f403ab2-0c1d", False),
        ("tracked in 0.403 s", False),
    ],
)
def test_a_refusal_is_found_and_other_digits_are_not(line: str, refused: bool) -> None:
    assert bool(refusals(line)) is refused
