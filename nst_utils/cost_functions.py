"""The graded cost functions a Neural Style Transfer run calls, passed as one object.

:func:`~nst_utils.stylize.stylize`, :func:`~nst_utils.stylize.cost_terms` and
:class:`~nst_utils.stylize.StyleTransferLoss` take ``costs=NSTCosts(...)``: the course's
graded functions, by default the reference ones of :mod:`nst_utils.costs`, so that a
lesson can run the optimisation with the functions its student wrote. Nothing here
restates a cost's formula; it only says which function computes it.

:func:`rewired` is shared with ``cyclegan.parts``: it makes a reference function call a
given inner function (e.g. the reference ``compute_style_cost`` calling a student's
``compute_layer_style_cost``) without copying its body.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from collections.abc import Callable

from nst_utils import costs as reference

__all__ = ["REFERENCE_COSTS", "NSTCosts", "check_callables", "check_costs", "rewired"]


def rewired(function: types.FunctionType, **inner: Callable) -> types.FunctionType:
    """A copy of ``function`` in which the global names ``inner`` mean the given callables.

    The copy runs the very same code object as ``function``; only the names it looks up
    in its module change, e.g. ``rewired(compute_style_cost, compute_layer_style_cost=f)``
    is the reference style cost summing ``f`` over the layers.

    Args:
        function: a plain Python function (a reference graded function).
        **inner: global names that ``function``'s body calls, and what they should mean.

    Returns:
        A new function with ``function``'s name, docstring, defaults and signature.

    Raises:
        ValueError: when ``function``'s body does not use one of the names.
    """
    unused = sorted(set(inner) - set(function.__code__.co_names))
    if unused:
        raise ValueError(
            f"{function.__qualname__} does not call {', '.join(unused)}; there is nothing "
            "to replace, so pass a function of your own for it instead."
        )
    namespace = {**function.__globals__, **inner}
    copy = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__,
        function.__closure__,
    )  # fmt: skip
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__doc__, copy.__qualname__ = function.__doc__, function.__qualname__
    copy.__module__, copy.__annotations__ = function.__module__, dict(function.__annotations__)
    return copy


def check_callables(owner: object, arities: dict[str, tuple[int, tuple[str, ...]]]) -> None:
    """Raise ``ValueError`` unless each named field of ``owner`` can take its call.

    Args:
        owner: a dataclass instance whose fields hold functions.
        arities: field name -> ``(positional argument count, keyword names)`` of the
            call the library makes, e.g. ``{"downsample": (2, ("name", "kernel_size"))}``.

    Raises:
        ValueError: for a field that is not callable, or whose signature cannot accept
            the library's call.
    """
    kind = type(owner).__name__
    for name, (n_args, keywords) in arities.items():
        function = getattr(owner, name)
        if not callable(function):
            raise ValueError(
                f"{kind}.{name} must be a function, got {type(function).__name__} "
                f"{function!r:.60}; pass the function itself (no call, no quotes)."
            )
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):  # builtins and some C callables have none
            continue
        try:
            signature.bind(*range(n_args), **dict.fromkeys(keywords))
        except TypeError as error:
            called = ", ".join([f"arg{i}" for i in range(n_args)] + [f"{k}=..." for k in keywords])
            raise ValueError(
                f"{kind}.{name} = {getattr(function, '__qualname__', function)!s}{signature} "
                f"cannot be called as {name}({called}): {error}."
            ) from None


#: Field -> (positional arguments, keywords) of the call the optimisation makes.
_NST_CALLS = {
    "content_cost": (2, ()),
    "unroll_channels": (1, ()),
    "gram_matrix": (1, ()),
    "layer_style_cost": (2, ()),
    "style_cost": (3, ()),
    "total_variation_cost": (1, ()),
    "total_cost": (4, ()),
}


@dataclasses.dataclass(frozen=True)
class NSTCosts:
    """The graded cost functions of Neural Style Transfer that a run calls.

    Every field defaults to the reference function of :mod:`nst_utils.costs`, so
    ``NSTCosts()`` is the library's own loss. Activations are ``(1, n_H, n_W, n_C)``;
    every cost returns a scalar float32 tensor. The optimisation calls
    ``content_cost``, ``style_cost``, ``total_cost`` and (with ``tv_weight``)
    ``total_variation_cost``. The inner functions are wired into the *reference* outer
    ones: a custom ``gram_matrix`` or ``unroll_channels`` makes ``layer_style_cost`` the
    reference ``compute_layer_style_cost`` calling them, and a custom
    ``layer_style_cost`` makes ``style_cost`` the reference ``compute_style_cost``
    calling it. A custom outer function is called as given (it should call your inner
    ones itself, as the lessons' functions do).

    Attributes:
        content_cost: ``(a_C, a_G) -> J_content`` at the content layer.
        unroll_channels: ``(1, n_H, n_W, n_C) -> (n_C, n_H * n_W)``.
        gram_matrix: ``(n_C, n_H * n_W) -> (n_C, n_C)``.
        layer_style_cost: ``(a_S, a_G) -> J`` at one style layer.
        style_cost: ``(a_S_list, a_G_list, style_layers) -> J_style``, the weighted
            sum over the ``(layer_name, weight)`` pairs.
        total_variation_cost: ``image (1, H, W, 3) -> J_tv`` (the 0-255 scale is the
            caller's).
        total_cost: ``(J_content, J_style, alpha, beta) -> J``.

    Raises:
        ValueError: when a field is not a function, or cannot take the call the
            optimisation makes (e.g. a ``style_cost`` without a ``style_layers``
            parameter).
    """

    content_cost: Callable = reference.compute_content_cost
    unroll_channels: Callable = reference.unroll_channels
    gram_matrix: Callable = reference.gram_matrix
    layer_style_cost: Callable = reference.compute_layer_style_cost
    style_cost: Callable = reference.compute_style_cost
    total_variation_cost: Callable = reference.total_variation_cost
    total_cost: Callable = reference.total_cost

    def __post_init__(self) -> None:
        check_callables(self, _NST_CALLS)
        inner = {name: getattr(self, name) for name in ("gram_matrix", "unroll_channels")
                 if getattr(self, name) is not getattr(reference, name)}
        if inner and self.layer_style_cost is reference.compute_layer_style_cost:
            layer = rewired(reference.compute_layer_style_cost, **inner)
            object.__setattr__(self, "layer_style_cost", layer)
        if (self.style_cost is reference.compute_style_cost
                and self.layer_style_cost is not reference.compute_layer_style_cost):
            style = rewired(reference.compute_style_cost,
                            compute_layer_style_cost=self.layer_style_cost)
            object.__setattr__(self, "style_cost", style)


#: The reference costs: what :func:`~nst_utils.stylize.stylize` uses by default.
REFERENCE_COSTS = NSTCosts()


def check_costs(costs: object) -> NSTCosts:
    """Return ``costs`` if it is an :class:`NSTCosts`; raise ``ValueError`` otherwise."""
    if not isinstance(costs, NSTCosts):
        raise ValueError(
            f"costs must be an NSTCosts, got {type(costs).__name__}; build one with "
            "NSTCosts(content_cost=compute_content_cost, style_cost=compute_style_cost, ...)."
        )
    return costs
