"""Keras weight files fetched on first use: caching, hash checks and downloads.

VGG19 (:mod:`nst_utils.vgg`) and InceptionV3 (:mod:`cyclegan.inception`) load
Keras's published ImageNet files the same way: a copy named by an environment
variable, else Keras's cache, else a download through ``keras.utils.get_file`` that
only lands in the cache once complete and hash-checked. Each function takes the file's
facts as arguments, read by the caller at call time, so the callers' module constants
stay the one place they are set (and what tests point at a loopback server).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import keras

from .runtime import is_grading

_OFF_VALUES = {"0", "false", "no", "off"}


class DownloadFailed(RuntimeError):
    """A download did not produce a checked file; ``str(error)`` is the short reason."""


def keras_cache_path(file_name: str) -> Path:
    """Where ``keras.utils.get_file`` caches ``file_name`` (``$KERAS_HOME/models``)."""
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return Path(home) / "models" / file_name


def downloads_allowed(env_var: str) -> bool:
    """False when ``env_var`` is ``0``, ``false``, ``no`` or ``off``."""
    return os.environ.get(env_var, "").strip().lower() not in _OFF_VALUES


def first_line(err: BaseException) -> str:
    """The first line of an error's message, or its type's name when it has none."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def hash_matches(path: Path, file_hash: str) -> bool:
    """Whether ``path`` has ``file_hash`` (MD5 if 32 characters, else SHA-256)."""
    hasher = hashlib.md5() if len(file_hash) == 32 else hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest() == file_hash.lower()


def local_copy(env_var: str, file_name: str) -> Path | None:
    """The file named by ``env_var``, else Keras's cached copy, else ``None``."""
    named = os.environ.get(env_var)
    if named:
        return Path(named)
    cached = keras_cache_path(file_name)
    return cached if cached.exists() else None


def fetch_checked(file_name: str, url: str, file_hash: str, *, stall_timeout_s: float,
                  download_env: str) -> Path:
    """The cached file if its hash matches, else download it into the cache.

    ``keras.utils.get_file`` (its progress bar, its hash check) downloads into a
    temporary folder beside the cache; only a complete file with the right hash is moved
    into place, so an interrupted or corrupted download never lands in the cache. A
    download receiving nothing for ``stall_timeout_s`` seconds is abandoned (the socket
    default timeout is set meanwhile: ``urlretrieve`` takes no timeout of its own).

    Raises:
        DownloadFailed: downloads turned off by ``download_env``, the cache folder not
            writable, or the download failed or had the wrong hash; nothing is left
            behind.
    """
    target = keras_cache_path(file_name)
    if target.is_file() and hash_matches(target, file_hash):
        return target
    if not downloads_allowed(download_env):
        raise DownloadFailed(f"downloads turned off by {download_env}="
                             f"{os.environ.get(download_env)}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{file_name}-download-", dir=target.parent))
    except OSError as err:
        raise DownloadFailed(f"cannot write to {target.parent}: {first_line(err)}") from None
    previous_timeout = socket.getdefaulttimeout()
    try:
        socket.setdefaulttimeout(stall_timeout_s)
        try:
            path = keras.utils.get_file(file_name, url, cache_dir=str(staging),
                                        cache_subdir="", file_hash=file_hash)
        finally:
            socket.setdefaulttimeout(previous_timeout)
        os.replace(path, target)
    except Exception as err:  # get_file raises a bare Exception on network failures
        raise DownloadFailed(first_line(err)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def why_not_download(download_env: str, probe: Callable[[], str | None]) -> str:
    """Why ``"auto"`` should not try a download now, or ``""`` when it should.

    Args:
        download_env: the variable that turns downloads off.
        probe: returns ``None`` when the origin answers, else a short reason (called
            only when nothing else rules the download out).
    """
    if is_grading():
        return "no download while a notebook is graded"
    if not downloads_allowed(download_env):
        return f"downloads turned off by {download_env}={os.environ.get(download_env)}"
    offline = probe()
    return f"offline: {offline}" if offline else ""
