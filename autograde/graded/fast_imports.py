"""Keeping a 3-second import out of every grading process: the IRI grammar, on first use.

Every process of the course that reads a notebook imports ``nbformat``, which imports
``jsonschema``, whose format checkers (``jsonschema._format``) import each optional
back end at import time. With the ``format-nongpl`` extra that nbformat and Jupyter
install, one of them is ``rfc3987_syntax``, which builds about 35 Earley parsers with
Lark as its module loads: 2.7 s of a 3.1 s ``import nbformat`` on the course's 2-core
machine (``python -X importtime``), paid by every ``autograde`` command, every grading
worker and the first check a student runs in each lesson (it looks up which lesson a
function belongs to). No notebook schema uses the ``iri`` formats those parsers check
(python-jsonschema/jsonschema#1428 and opendatahub-io/notebooks#3532 describe the same
cost).

:func:`defer_iri_grammar` puts a stand-in module under that name which imports the real
one the first time anything is asked of it, so an IRI that is validated is validated by
the real code, and a process that never validates one never builds the grammar. It
changes nothing when the package is absent or already imported.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

#: The module whose import builds the grammar.
IRI_MODULE = "rfc3987_syntax"


class _DeferredModule(types.ModuleType):
    """Stands in for a module and imports it on the first attribute asked of it."""

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # import machinery probing, e.g. __path__
            raise AttributeError(attribute)
        return getattr(self._real(), attribute)

    def _real(self) -> types.ModuleType:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return importlib.import_module(self.__name__)


def _deferred_function(module: _DeferredModule, name: str):
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(module._real(), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``{module.__name__}.{name}``, imported on the first call."
    return call


def defer_iri_grammar() -> bool:
    """Defer the import of :data:`IRI_MODULE` until something uses it.

    ``jsonschema`` only does ``from rfc3987_syntax import is_valid_syntax``, so that name
    is a function which imports the real module when called; any other attribute imports
    it when read.

    Returns:
        ``True`` when the stand-in was installed, ``False`` when there was nothing to
        defer (not installed, or already imported).
    """
    spec = None if IRI_MODULE in sys.modules else importlib.util.find_spec(IRI_MODULE)
    if spec is None:
        return False
    stand_in = _DeferredModule(IRI_MODULE)
    stand_in.__spec__ = spec  # the real one, so find_spec() keeps answering as before
    stand_in.is_valid_syntax = _deferred_function(stand_in, "is_valid_syntax")
    sys.modules[IRI_MODULE] = stand_in
    return True
