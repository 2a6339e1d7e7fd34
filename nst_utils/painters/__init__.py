"""Procedural painters for the course's built-in style images.

Each module exposes ``paint(rng, height, width) -> np.ndarray`` (uint8, ``(H, W, 3)``).
Sizes are relative to the longer side, so a 256-pixel painting looks like a 512-pixel
one scaled down: the style statistics stay comparable across resolutions. Use
:func:`nst_utils.samples.paint_style` rather than calling the painters directly; it
checks arguments and seeds the generator.
"""
