"""`python -m nst_utils.gallery OUT`: pictures of the artists' controls, made by the library.

Writes one small PNG per control (the README shows them from docs/images/):
``controls_colours.png`` (plain, ``luminance``, ``histogram``), ``controls_blend.png``
(two styles and their 0.7/0.3 blend), ``controls_scale.png`` (style scale 0.5, 1, 2),
``controls_mask.png`` (a mask splitting two styles) and ``controls_multiscale.png``
(coarse-to-fine against single-scale at the same size and steps). Every run is on the
bundled portrait and the painted styles, and each figure names the VGG19 weights it
was made with (random unless a local ImageNet copy exists).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def _ellipse_mask(height: int, width: int) -> np.ndarray:
    """White ellipse (the sitter) on black: ``(height, width)`` in ``{0, 1}``."""
    y, x = np.mgrid[0:height, 0:width]
    inside = ((x - 0.5 * width) / (0.36 * width)) ** 2 + ((y - 0.55 * height) / (0.5 * height)) ** 2
    return (inside <= 1.0).astype(np.float32)


def _save(fig, path: Path, weights: str) -> Path:
    fig.subplots_adjust(bottom=0.1)  # room for the caption under the panels
    fig.suptitle(f"VGG19 weights: {weights}", fontsize=9, y=0.01, va="bottom")
    fig.savefig(path, dpi=60)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


#: The pictures, by the name ``--only`` takes (file ``controls_<name>.png``).
PICTURES = ("colours", "blend", "scale", "mask", "multiscale")


def make_gallery(out: Path, size: int = 128, steps: int = 4, weights: str | None = "auto",
                 progress: bool = True, only: tuple[str, ...] = PICTURES) -> list[Path]:
    """Run the controls at ``size`` px with ``steps`` L-BFGS steps; return the PNGs written.

    ``only`` picks some of :data:`PICTURES`; the multiscale one runs at twice ``size``.
    """
    unknown = sorted(set(only) - set(PICTURES))
    if unknown:
        raise ValueError(f"unknown picture(s) {unknown}; choose from {list(PICTURES)}.")
    import matplotlib

    matplotlib.use("Agg")
    from . import samples
    from .plotting import show_images
    from .stylize import stylize
    from .vgg import load_vgg19

    out.mkdir(parents=True, exist_ok=True)
    vgg = load_vgg19(weights)
    source = vgg.weights_source
    content = samples.content_image("grace_hopper", max_dim=size)
    hw = content.shape[1:3]
    waves, mosaic = samples.style_image("waves", size=hw), samples.style_image("mosaic", size=hw)
    big_waves = samples.style_image("waves", size=(2 * hw[0], 2 * hw[1]))

    def run(style, **kwargs):
        return stylize(content, style, steps=steps, optimizer="lbfgs", vgg=vgg,
                       progress=progress, **kwargs).image

    written = []
    plain = run(waves) if {"colours", "scale"} & set(only) else None
    if "colours" in only:
        fig = show_images([content, waves, plain, run(waves, preserve_colors="luminance"),
                       run(waves, preserve_colors="histogram")],
                          ["content", "style: waves", "plain", "colours: luminance",
                           "colours: histogram"], size=2.4)
        written.append(_save(fig, out / "controls_colours.png", source))
    if "blend" in only:
        fig = show_images([waves, mosaic, run([waves, mosaic], style_weights=[0.7, 0.3])],
                          ["style a: waves", "style b: mosaic", "weights 0.7, 0.3"], size=2.4)
        written.append(_save(fig, out / "controls_blend.png", source))
    if "scale" in only:
        fig = show_images([run(big_waves, style_scale=0.5), plain,
                           run(big_waves, style_scale=2.0)],
                          ["style scale 0.5", "style scale 1", "style scale 2"], size=2.4)
        written.append(_save(fig, out / "controls_scale.png", source))
    if "mask" in only:
        mask = _ellipse_mask(*hw)
        fig = show_images([np.repeat(mask[..., None], 3, axis=-1),
                           run([waves, mosaic], mask=mask)],
                          ["mask (white: waves)", "waves | mosaic"], size=2.4)
        written.append(_save(fig, out / "controls_mask.png", source))
    if "multiscale" in only:
        written.append(_multiscale(out, size, steps, vgg, progress))
    return written


def _multiscale(out: Path, size: int, steps: int, vgg, progress: bool) -> Path:
    """Single-scale at ``2 * size`` beside coarse-to-fine from ``size``, same steps per size."""
    from . import samples
    from .multiscale import stylize_multiscale
    from .plotting import show_images
    from .stylize import stylize

    big = samples.content_image("grace_hopper", max_dim=2 * size)
    big_style = samples.style_image("waves", size=big.shape[1:3])
    single = stylize(big, big_style, steps=steps, optimizer="lbfgs", vgg=vgg,
                     progress=progress).image
    c2f = stylize_multiscale(big, big_style, start_size=size, steps=steps, optimizer="lbfgs",
                             vgg=vgg, progress=progress).image
    fig = show_images([single, c2f], [f"single-scale, {steps} steps",
                                      f"from {size} px, {steps} steps per size"],
                      size=3.2)
    return _save(fig, out / "controls_multiscale.png", vgg.weights_source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nst_utils.gallery", description=__doc__)
    parser.add_argument("out", nargs="?", default="docs/images", help="output folder")
    parser.add_argument("--size", type=int, default=128, help="longest side in pixels")
    parser.add_argument("--steps", type=int, default=4, help="L-BFGS steps per run")
    parser.add_argument("--weights", default="auto", help="VGG19 weights (random: none)")
    parser.add_argument("--only", nargs="+", choices=PICTURES, default=PICTURES,
                        help="make only these pictures")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    for path in make_gallery(Path(args.out), args.size, args.steps, args.weights, not args.quiet,
                             tuple(args.only)):
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
