"""The result payload a kernel sends to the grader: typed, and read defensively."""

from __future__ import annotations

import numpy as np
import pytest

from autograde.kernel.results import CaseResult, ForeignResult


def test_a_value_round_trips_as_float32():
    value = np.random.default_rng(3).standard_normal((2, 3)).astype(np.float32)
    back = CaseResult.from_payload(CaseResult("gram_matrix", "hidden1", value=value).to_payload())
    assert (back.function, back.case, back.error, back.unreadable) == (
        "gram_matrix", "hidden1", None, False)
    np.testing.assert_array_equal(back.value, value)


def test_an_error_round_trips_and_is_bounded():
    payload = CaseResult("f", "public", error="NotImplementedError" + "!" * 5000).to_payload()
    back = CaseResult.from_payload(payload)
    assert back.value is None and back.error.startswith("NotImplementedError")
    assert len(back.error) == 2000


@pytest.mark.parametrize("payload", [None, [], {"case": "public"}, {"function": 3, "case": "x"}])
def test_a_payload_without_function_and_case_is_foreign(payload):
    with pytest.raises(ForeignResult):
        CaseResult.from_payload(payload)


@pytest.mark.parametrize("value", [None, {"shape": [2], "data": "AAAA"}, {"shape": [-1]}])
def test_an_undecodable_value_is_marked_unreadable(value):
    back = CaseResult.from_payload({"function": "f", "case": "public", "value": value})
    assert back.unreadable and back.value is None and back.error is None
