"""Downloading the standard CycleGAN datasets (Zhu et al. 2017) from Berkeley.

Each dataset is one zip, ``{DATASETS_URL}{name}.zip``, holding a folder ``name/`` with
``trainA/ trainB/ testA/ testB/``. ``keras.utils.get_file`` does the download (with a
progress bar) and the extraction; the finished folder is the cache: a second call with
the same ``root`` returns at once.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import keras

#: Public base URL of the CycleGAN datasets; a dataset lives at ``{DATASETS_URL}{name}.zip``.
DATASETS_URL = "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/"

#: Datasets with the ``trainA/ trainB/ testA/ testB/`` layout (domain A first in the name).
DATASET_NAMES: tuple[str, ...] = (
    "apple2orange",
    "summer2winter_yosemite",
    "horse2zebra",
    "monet2photo",
    "cezanne2photo",
    "ukiyoe2photo",
    "vangogh2photo",
    "maps",
    "cityscapes",
    "facades",
    "iphone2dslr_flower",
)

SPLIT_FOLDERS = ("trainA", "trainB", "testA", "testB")

# Cityscapes' licence forbids redistribution, so Berkeley serves no zip for it.
_NOT_HOSTED = {
    "cityscapes": (
        "cityscapes is not hosted at {url} (its licence forbids redistribution); register at "
        "https://www.cityscapes-dataset.com, build trainA/trainB/testA/testB from "
        "leftImg8bit and gtFine, and place them in {target}."
    ),
}


class DownloadError(OSError):
    """A dataset could not be fetched or unpacked; the message says how to fix it by hand."""


def _has_layout(folder: Path) -> bool:
    return all((folder / split).is_dir() for split in SPLIT_FOLDERS)


def _find_layout(top: Path) -> Path | None:
    # The Berkeley zips wrap everything in a folder named after the dataset; mirrors may not.
    for candidate in (top, *sorted(p for p in top.iterdir() if p.is_dir())):
        if _has_layout(candidate):
            return candidate
    return None


def download_dataset(
    name: str, root: str | os.PathLike, *, base_url: str | None = None
) -> Path:
    """Download and unpack one CycleGAN dataset into ``root/name``.

    Args:
        name: one of ``DATASET_NAMES``, e.g. ``"apple2orange"``.
        root: folder that receives the dataset (created when missing).
        base_url: server folder holding ``{name}.zip``; defaults to ``DATASETS_URL``.
            Pass a mirror or a local test server here.

    Returns:
        ``root/name``, holding ``trainA/ trainB/ testA/ testB/``. When that folder is
        already complete nothing is downloaded.

    Raises:
        ValueError: for an unknown dataset name, or cityscapes from the default server.
        DownloadError: when the download or the extraction fails; the message names the
            URL and how to place the data by hand.
    """
    if name not in DATASET_NAMES:
        raise ValueError(
            f"unknown CycleGAN dataset {name!r}; choose one of: {', '.join(DATASET_NAMES)}."
        )
    root = Path(root).expanduser().resolve()
    target = root / name
    if _has_layout(target):
        return target
    url = (base_url or DATASETS_URL).rstrip("/") + f"/{name}.zip"
    if base_url is None and name in _NOT_HOSTED:
        raise ValueError(_NOT_HOSTED[name].format(url=DATASETS_URL, target=target))
    by_hand = (
        f"download {url} yourself and unzip it so that {target} holds "
        f"{'/ '.join(SPLIT_FOLDERS)}/"
    )

    cache = root / f".{name}_download"
    try:
        root.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # A broken archive gets the clearer error below, not Keras' bare warning.
            warnings.filterwarnings("ignore", message="Could not extract archive")
            extracted = keras.utils.get_file(
                fname=f"{name}.zip",
                origin=url,
                extract=True,
                cache_dir=os.fspath(root),
                cache_subdir=cache.name,
            )
    except Exception as err:  # get_file wraps every HTTP and URL error in a bare Exception
        shutil.rmtree(cache, ignore_errors=True)
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        # Keras repeats the URL and prints a missing HTTP code as "None --"; keep the cause.
        reason = reason.replace(f"URL fetch failure on {url}: ", "").replace("None -- ", "")
        raise DownloadError(f"could not fetch {url} ({reason}); {by_hand}.") from None

    found = _find_layout(Path(extracted)) if Path(extracted).is_dir() else None
    if found is None:
        shutil.rmtree(cache, ignore_errors=True)
        raise DownloadError(
            f"{url} did not unpack to trainA/ trainB/ testA/ testB/ (broken or unexpected "
            f"archive); {by_hand}."
        )
    target.mkdir(exist_ok=True)
    for split in SPLIT_FOLDERS:
        # Folders someone already placed by hand are kept; only the missing ones move in.
        if not (target / split).is_dir():
            shutil.move(os.fspath(found / split), os.fspath(target / split))
    # The zip would double the disk use; the unpacked folder is the cache from now on.
    shutil.rmtree(cache, ignore_errors=True)
    return target
