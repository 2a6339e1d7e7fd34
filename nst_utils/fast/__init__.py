"""Feed-forward style transfer: Johnson et al. (2016) for one style, AdaIN for any style.

Gatys' optimisation (:func:`nst_utils.stylize.stylize`) runs VGG19 hundreds of times per
picture; these networks are trained once and then stylise a picture in one forward pass.

- :mod:`~nst_utils.fast.transform_net`: the image transformation network.
- :mod:`~nst_utils.fast.perceptual`: the batched perceptual loss from the course's costs.
- :mod:`~nst_utils.fast.adain`: adaptive instance normalisation, decoder and losses.
- :mod:`~nst_utils.fast.data`: folders of images, the real datasets' downloads.
- :mod:`~nst_utils.fast.runs`: run folders, atomic checkpoints, saved models.
- :mod:`~nst_utils.fast.train`: the two resumable training loops.
- :mod:`~nst_utils.fast.apply`: stylising files with a trained run.

The command line is :mod:`nst_utils.fast_cli` (``nst train-fast|train-adain|apply``).
"""
