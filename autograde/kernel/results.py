"""Results of graded functions, sent from the student's kernel to the grader.

While ``autograde grade`` runs a notebook it sets ``AUTOGRADE_RESULTS=1`` in the
kernel's environment. Every check then publishes, next to its usual printout, the
student's value for each case as display data of type :data:`MIME` (a float32 array,
or the error the function raised). The grader takes these from the test cells'
outputs and compares them with the reference in its own process, so nothing the
notebook does to NumPy, to the check functions or to IPython can turn a wrong value
into points. Outside grading nothing is sent.

This module is imported in the kernel: NumPy and the standard library only.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

MIME = "application/vnd.autograde.result+json"
ENV_VAR = "AUTOGRADE_RESULTS"
#: A value larger than this is reported as an error rather than sent.
MAX_ENTRIES = 1_000_000


def encode(array: np.ndarray) -> dict[str, Any]:
    """A float32 array as ``{"shape": [...], "data": base64 little-endian bytes}``."""
    array = np.asarray(array, dtype="<f4")  # ascontiguousarray would make scalars 1-D
    return {"shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode()}


def decode(payload: Any, max_entries: int = MAX_ENTRIES) -> np.ndarray:
    """The array of :func:`encode`, checked field by field (the payload is untrusted).

    Raises:
        ValueError: when the payload is not a well-formed encoded array.
    """
    if not isinstance(payload, dict) or set(payload) != {"shape", "data"}:
        raise ValueError("not an encoded array")
    shape, data = payload["shape"], payload["data"]
    if (not isinstance(shape, list) or len(shape) > 8
            or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n for n in shape)):
        raise ValueError("bad shape")
    size = int(np.prod(shape, dtype=np.int64))
    if size > max_entries or not isinstance(data, str) or len(data) > 8 * max_entries + 8:
        raise ValueError("value too large")
    raw = base64.b64decode(data.encode("ascii"), validate=True)
    if len(raw) != 4 * size:
        raise ValueError("data does not match the shape")
    return np.frombuffer(raw, dtype="<f4").reshape(tuple(shape)).astype(np.float32)


class ForeignResult(ValueError):
    """A payload that is not a result of a graded function at all."""


@dataclass(frozen=True)
class CaseResult:
    """One case's outcome, as it crosses from the student's kernel to the grader.

    Attributes:
        function: the graded function's name.
        case: the case label (``"public"``, ``"hidden0"``, ...).
        value: the student's result as a float32 array, or None when ``error`` is set.
        error: what went wrong instead of a value (e.g. ``"NotImplementedError"``).
        unreadable: set by :meth:`from_payload` when the value could not be decoded.
    """

    function: str
    case: str
    value: np.ndarray | None = None
    error: str | None = None
    unreadable: bool = False

    def to_payload(self) -> dict[str, Any]:
        """The JSON object published as display data of type :data:`MIME`."""
        payload: dict[str, Any] = {"function": self.function, "case": self.case}
        if self.error is not None:
            payload["error"] = self.error[:2000]
        else:
            payload["value"] = encode(self.value)
        return payload

    @classmethod
    def from_payload(cls, payload: Any) -> CaseResult:
        """Read an untrusted payload.

        A payload whose value cannot be decoded still names its function and case; it
        comes back with ``unreadable`` set, so the grader can say which case it was.

        Raises:
            ForeignResult: when the payload does not name a function and a case.
        """
        if (not isinstance(payload, dict) or not isinstance(payload.get("function"), str)
                or not isinstance(payload.get("case"), str)):
            raise ForeignResult("not a result of a graded function")
        function, case = payload["function"], payload["case"]
        if "error" in payload:
            return cls(function, case, error=str(payload["error"])[:2000])
        try:
            return cls(function, case, value=decode(payload.get("value")))
        except (ValueError, TypeError):
            return cls(function, case, unreadable=True)


def enabled() -> bool:
    """True while the grader collects results from this kernel."""
    return os.environ.get(ENV_VAR) == "1"


def send(function: str, case: str, *, value: np.ndarray | None = None,
         error: str | None = None) -> None:
    """Publish one case's outcome for the grader (a no-op outside grading).

    Args:
        function: the graded function's name.
        case: the case label (``GradedFunction.labelled_cases``).
        value: the student's result as a float32 array.
        error: instead of a value, what went wrong (e.g. ``"NotImplementedError"``).
    """
    if not enabled():
        return
    from IPython.display import publish_display_data

    if error is None and value is not None and np.asarray(value).size > MAX_ENTRIES:
        error = f"the result has {np.asarray(value).size} entries, too many to grade"
    result = CaseResult(function, case, value=value, error=error)
    publish_display_data({MIME: result.to_payload(),
                          "text/plain": f"(result of {function}, {case} case, sent to the grader)"})
