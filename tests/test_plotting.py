"""The Matplotlib helpers: titles and axis labels reach the figure."""

import numpy as np
import pytest

from nst_utils.plotting import plot_losses, show_images


def test_plot_losses_labels_the_axes():
    ax = plot_losses([3.0, 2.0, 1.5], "per epoch", log_scale=False, xlabel="epoch",
                     ylabel="g_total").axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("epoch", "g_total", "per epoch")
    assert plot_losses([1.0]).axes[0].get_xlabel() == "step"


def test_show_images_titles_every_panel():
    images = [np.zeros((8, 8, 3)), np.ones((1, 8, 8, 3))]
    fig = show_images(images, ["apple 1", "g_AB(apple 1)"], size=1)
    assert [ax.get_title() for ax in fig.axes] == ["apple 1", "g_AB(apple 1)"]
    with pytest.raises(ValueError, match="titles"):
        show_images(images, ["one"])
