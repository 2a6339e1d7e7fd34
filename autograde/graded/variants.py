"""Classic mistakes as data, and turning a mistake's body into a callable wrong variant.

A :class:`Mistake` holds the source of a function body a student might write. The same
text serves twice: the demo's "mistakes" submission pastes it into a lesson, and the
hint recogniser compiles it (:func:`compile_body`) into a function with the graded
function's signature and runs it on a check's inputs. So the variant the recogniser
compares against is, by construction, the code a student would hand in.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

#: Names the lessons bind at top level that mistake bodies may use, and where they live.
PROVIDED_NAMES: dict[str, str] = {
    "tf": "tensorflow",
    "np": "numpy",
    "keras": "keras",
    "InstanceNormalization": "cyclegan.layers.InstanceNormalization",
    "ReflectionPadding2D": "cyclegan.layers.ReflectionPadding2D",
    "conv_initializer": "cyclegan.layers.conv_initializer",
    "VGG_MEAN_RGB": "nst_utils.images.VGG_MEAN_RGB",
    "STYLE_LAYERS": "nst_utils.costs.STYLE_LAYERS",
    "RGB_TO_YIQ": "nst_utils.colour.RGB_TO_YIQ",
    "YIQ_TO_RGB": "nst_utils.colour.YIQ_TO_RGB",
}


def free_names(body: str) -> set[str]:
    """Names a body reads without binding them itself (builtins excluded).

    Raises:
        ValueError: when the body is not valid Python.
    """
    try:
        tree = ast.parse(body)
    except SyntaxError as error:
        raise ValueError(f"mistake body does not parse ({error.msg}, line {error.lineno}); "
                         "fix its source.") from None
    bound: set[str] = set()
    read: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return read - bound - set(dir(builtins))


def _load(dotted: str) -> Any:
    try:
        return importlib.import_module(dotted)
    except ImportError:
        module, _, attribute = dotted.rpartition(".")
        return getattr(importlib.import_module(module), attribute)


def compile_body(
    name: str,
    signature: inspect.Signature,
    body: str,
    helpers: dict[str, Callable] | None = None,
) -> Callable[..., Any]:
    """Make a function called ``name`` with ``signature`` whose body is ``body``.

    Only the names the body reads are imported, so a NumPy-only body does not pull in
    Keras.

    Args:
        name: the function's name.
        signature: its parameters, defaults included (no keyword-only parameters).
        body: unindented source of the body.
        helpers: graded helpers the body may call (e.g. ``gram_matrix``), by name.

    Returns:
        The compiled function.

    Raises:
        ValueError: when the body reads a name that is neither an argument, a provided
            name nor a helper.
    """
    helpers = helpers or {}
    parameters = list(signature.parameters.values())
    known = {p.name for p in parameters} | set(helpers)
    namespace: dict[str, Any] = dict(helpers)
    for free in sorted(free_names(body) - known):
        if free not in PROVIDED_NAMES:
            raise ValueError(f"mistake body of {name} uses {free!r}, which lessons do not "
                             "provide; use tf, np, keras or the lesson's helpers.")
        namespace[free] = _load(PROVIDED_NAMES[free])
    source = f"def {name}({', '.join(p.name for p in parameters)}):\n"
    source += textwrap.indent(body, "    ") + "\n"
    exec(compile(source, f"<mistake in {name}>", "exec"), namespace)  # noqa: S102
    function = namespace[name]
    # Defaults are attached as objects, not re-parsed from their repr.
    defaults = tuple(p.default for p in parameters if p.default is not p.empty)
    function.__defaults__ = defaults or None
    return function
