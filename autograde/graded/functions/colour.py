"""The graded functions of keeping the photo's colours (lesson 6): cases, points and
classic mistakes.

Luminance-only transfer (Gatys et al. 2017, "Controlling Perceptual Factors in Neural
Style Transfer"): convert to YIQ, keep the content's chrominance ``I, Q`` and take the
luminance ``Y`` from the stylised picture. One entry per graded function, read by the
checks, the build and the grader (see :mod:`autograde.graded.specs`).
"""

from __future__ import annotations

from autograde.graded import inputs as makers
from autograde.graded.declaration import Case, GradedFunction, Mistake

_COLOUR = "nst_utils.colour."

_REPLACE_Y = "yiq = np.array(rgb_to_yiq(content_rgb))\nyiq[..., :1] = stylised_luma\n"

FUNCTIONS: tuple[GradedFunction, ...] = (
    GradedFunction(
        "rgb_to_yiq",
        _COLOUR + "rgb_to_yiq",
        makers.image_inputs,
        public=Case(1),
        hidden=(Case(61, {"shape": (1, 3, 7, 3)}), Case(62, {"shape": (4, 5, 3)})),
        output="an array of the image's shape (..., 3): Y, I, Q per pixel",
        points=1,
        mistakes=(
            Mistake(
                "matrix on the wrong side",
                "Each of Y, I, Q is one row of the matrix times the pixel's (R, G, B); your "
                "product takes the matrix's columns instead.",
                "return image @ RGB_TO_YIQ",
                demo=True,
            ),
            Mistake(
                "luminance as the plain mean",
                "Your Y is the plain average of R, G and B; luminance weighs the channels "
                "unequally (green most, blue least).",
                "yiq = image @ RGB_TO_YIQ.T\n"
                "return np.concatenate([image.mean(axis=-1, keepdims=True), yiq[..., 1:]], "
                "axis=-1)",
            ),
            Mistake(
                "the inverse matrix",
                "You converted with the YIQ-to-RGB matrix; going from RGB to YIQ needs the "
                "other one.",
                "return image @ YIQ_TO_RGB.T",
            ),
            Mistake(
                "channels in BGR order",
                "Your channels are read as B, G, R; the course's images are RGB.",
                "return image[..., ::-1] @ RGB_TO_YIQ.T",
            ),
        ),
    ),
    GradedFunction(
        "luminance_transfer",
        _COLOUR + "luminance_transfer",
        makers.luma_and_content,
        public=Case(1),
        hidden=(Case(63, {"shape": (1, 6, 3, 3)}), Case(64, {"shape": (1, 4, 4, 3),
                                                            "clip": False})),
        output="an RGB image of the content's shape (1, H, W, 3)",
        uses=("rgb_to_yiq",),
        hint="Y comes from the stylised image, I and Q from the content.",
        points=2,
        mistakes=(
            Mistake(
                "a grey picture",
                "Your picture is grey: only the luminance comes from the stylised image, the "
                "colour (I and Q) must come from the content.",
                "return np.repeat(stylised_luma, 3, axis=-1)",
            ),
            Mistake(
                "the content unchanged",
                "The stylised luminance never reaches your result: it must replace the "
                "content's Y.",
                "return np.asarray(content_rgb, np.float32)",
            ),
            Mistake(
                "left in YIQ",
                "Your result is still in YIQ: convert it back to RGB before returning it.",
                _REPLACE_Y + "return yiq",
                demo=True,
            ),
            Mistake(
                "not clipped",
                "Some of your pixels lie outside [0, 1]: with clip=True the result must be "
                "clipped to the valid range.",
                _REPLACE_Y + "return yiq @ YIQ_TO_RGB.T",
            ),
            Mistake(
                "always clipped",
                "With clip=False your result must keep the values outside [0, 1].",
                _REPLACE_Y + "return np.clip(yiq @ YIQ_TO_RGB.T, 0.0, 1.0)",
                public=False,
            ),
        ),
    ),
)
