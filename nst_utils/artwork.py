"""Famous public-domain paintings from Wikimedia Commons, downloaded once and cached.

The course ships painted style images (:mod:`nst_utils.samples`) so it works offline;
these real paintings are optional extras. Files go through ``keras.utils.get_file``
into ``~/.keras/nst_artwork`` (or ``$KERAS_HOME/nst_artwork``, or ``cache_dir``).

Integrity: the catalogue records no sha256 yet, because the files could not be fetched
while the course was written and a made-up hash would reject every genuine download.
Until a hash is filled in, the first download is trusted and its sha256 is written to a
JSON manifest next to the file; every later call checks the cached file against it and
refuses a file that has changed. When an entry has a ``sha256``, ``get_file`` checks it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

#: Redirects to the file, scaled to ``?width=`` pixels; a stable public form of URL.
COMMONS_FILEPATH_URL = "https://commons.wikimedia.org/wiki/Special:FilePath/"
#: Width requested from Commons: plenty for style images, which are used at <= 512 px.
DOWNLOAD_WIDTH = 1024
#: Wikimedia refuses urllib's default User-Agent; its policy asks for a descriptive one.
USER_AGENT = "style-transfer-course/0.1 (educational notebooks; nst_utils.artwork) Python-urllib"


class ArtworkError(OSError):
    """A painting could not be downloaded or its cached copy failed verification."""


@dataclass(frozen=True)
class Artwork:
    """One catalogue entry.

    Attributes:
        title: title of the painting in English.
        artist: the painter.
        year: year (or period) of the work.
        commons_file: file name on Wikimedia Commons, without the ``File:`` prefix.
        licence: why the image may be used.
        sha256: digest of the downloaded file, or ``None`` when not yet known.
    """

    title: str
    artist: str
    year: str
    commons_file: str
    licence: str
    sha256: str | None = None

    def url(self, base_url: str = COMMONS_FILEPATH_URL, width: int = DOWNLOAD_WIDTH) -> str:
        """Download URL: ``base_url`` + the URL-quoted Commons file name + ``?width=``."""
        name = urllib.parse.quote(self.commons_file.replace(" ", "_"))
        return f"{base_url}{name}?width={width}"

    def original_url(self) -> str:
        """Full-resolution file on upload.wikimedia.org.

        Commons stores a file under ``h[0]/h[:2]/`` where ``h`` is the MD5 hex digest
        of its name with spaces written as underscores.
        """
        name = self.commons_file.replace(" ", "_")
        digest = hashlib.md5(name.encode("utf-8")).hexdigest()
        return (
            "https://upload.wikimedia.org/wikipedia/commons/"
            f"{digest[0]}/{digest[:2]}/{urllib.parse.quote(name)}"
        )


_PD = "public domain: the artist died more than 70 years ago (Wikimedia Commons, PD-Art)"

#: The paintings :func:`download_artwork` knows, by short name.
ARTWORKS: dict[str, Artwork] = {
    "starry_night": Artwork(
        "The Starry Night", "Vincent van Gogh", "1889",
        "Van Gogh - Starry Night - Google Art Project.jpg", _PD,
    ),
    "great_wave": Artwork(
        "The Great Wave off Kanagawa", "Katsushika Hokusai", "c. 1831",
        "Tsunami by hokusai 19th century.jpg", _PD,
    ),
    "the_scream": Artwork(
        "The Scream", "Edvard Munch", "1893",
        "Edvard Munch, 1893, The Scream, oil, tempera and pastel on cardboard, 91 x 73 cm, "
        "National Gallery of Norway.jpg",
        _PD,
    ),
    "composition_vii": Artwork(
        "Composition VII", "Wassily Kandinsky", "1913",
        "Vassily Kandinsky, 1913 - Composition 7.jpg", _PD,
    ),
    "impression_sunrise": Artwork(
        "Impression, Sunrise", "Claude Monet", "1872",
        "Claude Monet, Impression, soleil levant.jpg", _PD,
    ),
    "pearl_earring": Artwork(
        "Girl with a Pearl Earring", "Johannes Vermeer", "c. 1665",
        "1665 Girl with a Pearl Earring.jpg", _PD,
    ),
}


def default_cache_dir() -> Path:
    """``$KERAS_HOME/nst_artwork``, else ``~/.keras/nst_artwork`` (Keras's own rule)."""
    home = os.environ.get("KERAS_HOME")
    if home is None:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return Path(home) / "nst_artwork"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _user_agent():
    """Send :data:`USER_AGENT` from ``urlretrieve`` (used by ``get_file``), then restore."""
    opener = urllib.request.build_opener()
    opener.addheaders = [("User-Agent", USER_AGENT)]
    previous = getattr(urllib.request, "_opener", None)  # whatever the caller installed
    urllib.request.install_opener(opener)
    try:
        yield
    finally:
        urllib.request.install_opener(previous)


def _check_image(path: Path, what: str, remove: bool) -> None:
    """Refuse files Pillow cannot decode: an HTML error page, a cut-off download."""
    try:
        with Image.open(path) as img:
            img.load()  # a full decode: verify() lets truncated JPEGs through
    except Exception:  # Pillow raises many exception types for non-images
        if remove:
            path.unlink(missing_ok=True)
        raise ArtworkError(
            f"{what} is not an image file; "
            + ("try again later." if remove else f"replace or delete {path}.")
        ) from None


def download_artwork(
    name: str,
    cache_dir: str | os.PathLike | None = None,
    *,
    base_url: str = COMMONS_FILEPATH_URL,
    url: str | None = None,
) -> Path:
    """Download a painting from :data:`ARTWORKS` once, then serve it from the cache.

    Args:
        name: a key of :data:`ARTWORKS`, e.g. ``"starry_night"``.
        cache_dir: folder for the files; default :func:`default_cache_dir`.
        base_url: replaces :data:`COMMONS_FILEPATH_URL` (a mirror, or a test server).
        url: full URL to fetch instead of the catalogue's.

    Returns:
        Path of the cached JPEG file.

    Raises:
        ValueError: unknown ``name``.
        ArtworkError: the download failed, or the cached file no longer matches its
            recorded sha256.
    """
    if name not in ARTWORKS:
        raise ValueError(f"unknown artwork {name!r}; choose one of: {', '.join(ARTWORKS)}.")
    art = ARTWORKS[name]
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    target = folder / f"{name}.jpg"
    manifest = folder / f"{name}.jpg.json"
    source = url or art.url(base_url)

    if target.exists() and art.sha256 is None:
        actual = _sha256(target)
        if manifest.exists():
            recorded = json.loads(manifest.read_text(encoding="utf-8")).get("sha256")
            if recorded != actual:
                raise ArtworkError(
                    f"cached file {target} has changed since it was downloaded (sha256 "
                    f"{actual[:16]}..., recorded {str(recorded)[:16]}...); delete it to "
                    "download a fresh copy."
                )
            return target
        # A copy placed by hand (as the offline message suggests): trust it from now on.
        _check_image(target, f"{target} (placed by hand for '{name}')", remove=False)
        _write_manifest(manifest, art, str(target), actual)
        return target

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ArtworkError(
            f"cannot create the cache folder {folder} ({err.strerror}); pass cache_dir= "
            "a writable folder."
        ) from None
    import keras  # deferred: importing Keras starts TensorFlow, which takes seconds

    try:
        with _user_agent():
            path = keras.utils.get_file(
                fname=target.name,
                origin=source,
                cache_subdir=str(folder.resolve()),  # absolute: get_file uses it as is
                file_hash=art.sha256,
                hash_algorithm="sha256",
            )
    except ValueError as err:  # get_file's hash mismatch for a catalogue sha256
        target.unlink(missing_ok=True)  # get_file leaves the rejected file behind
        raise ArtworkError(
            f"download of '{name}' from {source} failed verification: {err}"
        ) from None
    except Exception as err:  # get_file re-raises urllib errors as bare Exception
        reason = _fetch_failure(str(err))
        raise ArtworkError(
            f"could not download '{name}' ({art.title}) from {source}: {reason}; check the "
            f"connection, or save the image by hand as {target}."
        ) from None
    path = Path(path)
    _check_image(path, f"the file downloaded for '{name}' from {source}", remove=True)
    if art.sha256 is None:
        _write_manifest(manifest, art, source, _sha256(path))
    return path


def _fetch_failure(message: str) -> str:
    """Shorten get_file's ``URL fetch failure on <url>: <code> -- <reason>`` to one phrase."""
    message = " ".join(message.split())
    match = re.fullmatch(r"URL fetch failure on .*?: (\S+) -- (.*)", message)
    if match is None:
        return message
    code, reason = match.groups()
    return f"HTTP {code} {reason}" if code.isdigit() else reason


def _write_manifest(manifest: Path, art: Artwork, source: str, sha256: str) -> None:
    record = {"sha256": sha256, "source": source, "title": art.title, "artist": art.artist,
              "year": art.year, "licence": art.licence}
    partial = manifest.with_suffix(".tmp")
    partial.write_text(json.dumps(record, indent=2), encoding="utf-8")
    os.replace(partial, manifest)  # atomic: a crash never leaves half a manifest
