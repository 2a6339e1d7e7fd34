"""Values recorded at build time, for the editions that hold no reference code.

The student edition (``autograde handout``) and the grading edition that graded kernels
see replace every graded function of the packages by a stub, so their checks cannot ask
the reference for anything. What the checks still need is recorded here by the build,
as numbers, keyed by a :func:`fingerprint` of the inputs:

* ``expected``: the reference result of a case (the public one in the student edition),
  for ``autograde check``'s verdicts;
* ``mistake``: each catalogued mistake's result on a case, so a failed check can still
  name the mistake without shipping the wrong-answer code;
* ``helper``: what a graded helper (``gram_matrix`` inside ``compute_layer_style_cost``)
  returns on the exact inputs the reference passes it during a case. A check answers
  such a call from this table, so one lesson's grade never depends on another's. The
  keys are inputs of *other* functions' cases, so the table answers none of a helper's
  own cases.

In the repository (the instructor's copy) no table exists and :func:`edition` is
``None``: the checks use the reference directly.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

#: Words every stub's message contains (see :mod:`autograde.build.stubs`); the grader
#: looks for them in a failed item's error to say the submission called the course's
#: own function.
STUB_WORDS = "is a stub in the student edition"
#: The build writes the edition's kind here (``{"kind": "student" | "grading"}``).
MARKER = Path(__file__).resolve().parent.parent / "edition.json"
#: The recorded values, beside this module in an edition.
TABLE = Path(__file__).resolve().with_name("recorded.npz")


def edition() -> str | None:
    """``"student"`` or ``"grading"`` inside an edition; ``None`` in the repository."""
    if not MARKER.is_file():
        return None
    return json.loads(MARKER.read_text(encoding="utf-8")).get("kind")


def _feed(digest: Any, value: Any) -> None:
    if isinstance(value, (str, bytes)):
        digest.update(b"s" + repr(value).encode())
    elif isinstance(value, Mapping):
        digest.update(b"{")
        for key in sorted(value):
            digest.update(repr(key).encode())
            _feed(digest, value[key])
        digest.update(b"}")
    elif isinstance(value, (list, tuple)):
        digest.update(b"(")
        for item in value:
            _feed(digest, item)
        digest.update(b")")
    else:
        try:
            array = np.asarray(value, dtype=np.float32)
        except (TypeError, ValueError):  # a callable, a Keras tensor: only its kind counts
            digest.update(b"o" + type(value).__name__.encode())
            return
        digest.update(f"a{array.shape}".encode() + np.ascontiguousarray(array).tobytes())


def fingerprint(*values: Any) -> str:
    """A short hash of ``values`` (arrays by their float32 bits, containers by content)."""
    digest = hashlib.sha256()
    for value in values:
        _feed(digest, value)
    return digest.hexdigest()[:24]


def key(kind: str, name: str, inputs_key: str, index: int | None = None) -> str:
    """The table entry for one recorded value."""
    return f"{kind}/{name}/{inputs_key}" + ("" if index is None else f"/{index}")


@functools.cache
def _table() -> dict[str, np.ndarray]:
    if not TABLE.is_file():
        return {}
    with np.load(TABLE, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def lookup(kind: str, name: str, inputs_key: str, index: int | None = None) -> np.ndarray | None:
    """A recorded value, or ``None`` when the edition holds none for these inputs."""
    return _table().get(key(kind, name, inputs_key, index))


def mistake_values(name: str, inputs: Mapping[str, Any], count: int) -> list[np.ndarray | None]:
    """The recorded results of ``name``'s ``count`` mistakes on ``inputs`` (or ``None``)."""
    inputs_key = fingerprint(inputs)
    return [lookup("mistake", name, inputs_key, index) for index in range(count)]


def answering_helper(name: str, signature: Any, own: Callable | None) -> Callable:
    """A stand-in for graded helper ``name`` during another function's check.

    Called on inputs the reference passes the helper in some case, it returns the
    recorded result; on any other inputs it calls ``own`` (the student's helper), or
    raises when there is none.
    """

    def helper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        try:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            recorded = lookup("helper", name, fingerprint(list(bound.arguments.values())))
        except TypeError:
            recorded = None
        if recorded is not None:
            import tensorflow as tf

            return tf.constant(recorded)
        if own is None:
            raise NameError(f"name {name!r} is not defined")
        return own(*args, **kwargs)

    helper.__name__ = helper.__qualname__ = name
    return helper


def save(path: Path, values: Iterable[tuple[str, np.ndarray]]) -> None:
    """Write ``(key, value)`` pairs as the edition's table (float32 arrays)."""
    np.savez_compressed(path, **{k: np.asarray(v, dtype=np.float32) for k, v in values})
