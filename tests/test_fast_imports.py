"""autograde/graded/fast_imports.py: the IRI grammar is built only when an IRI is checked."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import types

import pytest

from autograde.graded import fast_imports

pytestmark = pytest.mark.skipif(importlib.util.find_spec("rfc3987_syntax") is None,
                                reason="jsonschema's format-nongpl back end is not installed")

#: Strings on both sides of the IRI grammar, and IRI references.
SAMPLES = ["http://example.com/ä", "urn:isbn:0451450523", "not an iri ::", "", "//host/p",
           "#fragment", "http://[::1]:80/", "http://exa mple.com"]

CHECK = """
import json, sys
{setup}
from jsonschema import Draft202012Validator
checker = Draft202012Validator.FORMAT_CHECKER
verdicts = [[checker.conforms(s, fmt) for s in json.loads(sys.argv[1])]
            for fmt in ("iri", "iri-reference")]
real = type(sys.modules.get("rfc3987_syntax")).__name__
print(json.dumps({{"verdicts": verdicts, "real": real}}))
"""


def _run(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_reading_a_notebook_does_not_build_the_grammar():
    """``autograde`` first, then nbformat reads and validates a lesson: no Lark at all."""
    code = """
import json, sys
import autograde.graded.notebooks as notebooks
import nbformat
nb = notebooks.read("lessons/02_content_cost.ipynb")
nbformat.validate(nb)
print(json.dumps({"lark": "lark" in sys.modules,
                  "stand_in": type(sys.modules["rfc3987_syntax"]).__name__,
                  "cells": len(nb.cells)}))
"""
    found = _run(code)
    assert found["lark"] is False and found["stand_in"] == "_DeferredModule"
    assert found["cells"] > 5


def test_iri_formats_give_the_real_modules_verdicts():
    """With the stand-in, jsonschema's ``iri`` checks agree with a plain process's."""
    plain = _run(CHECK.format(setup=""), json.dumps(SAMPLES))
    deferred = _run(CHECK.format(setup="import autograde"), json.dumps(SAMPLES))
    assert plain["verdicts"] == deferred["verdicts"]
    assert {True, False} <= set(plain["verdicts"][0])  # the samples do tell them apart
    assert deferred["real"] == "module"  # the first check imported the real module


def test_nothing_is_deferred_when_imported_or_absent(monkeypatch):
    """An imported module stays; a missing package gets no stand-in."""
    real = types.ModuleType(fast_imports.IRI_MODULE)
    monkeypatch.setitem(sys.modules, fast_imports.IRI_MODULE, real)
    assert fast_imports.defer_iri_grammar() is False
    assert sys.modules[fast_imports.IRI_MODULE] is real
    monkeypatch.delitem(sys.modules, fast_imports.IRI_MODULE)
    monkeypatch.setattr(fast_imports.importlib.util, "find_spec", lambda name: None)
    assert fast_imports.defer_iri_grammar() is False
    assert fast_imports.IRI_MODULE not in sys.modules
