"""Feedback pages a student can read: no grader paths, wrapped hints, formulas offline.

nbgrader renders a feedback page per graded notebook
(``feedback/<student>/<lesson>/<lesson>.html`` in the course). The shipped
configuration (``autograde/grader/nbgrader_config.py``) adds three things to that step, so they
hold for ``autograde grade`` and for nbgrader's own ``generate_feedback`` (command line
or Formgrader button) alike:

* :class:`ScrubPaths`, a preprocessor that rewrites the grader machine's file paths in
  outputs and tracebacks (``/srv/venv/lib/python3.11/site-packages/keras/...`` becomes
  ``site-packages/keras/...``, the kernel's private home ``~``);
* CSS that wraps long lines in output areas instead of scrolling them sideways;
* the template ``autograde_feedback`` (``autograde/templates/``), which loads MathJax
  from ``feedback/_mathjax/`` by a relative URL; :func:`install_mathjax` copies the
  MathJax 2.7 that the ``jupyter-server-mathjax`` package ships into a feedback folder.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import site
import sys
import sysconfig
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES = PACKAGE_DIR / "templates"
TEMPLATE_NAME = "autograde_feedback"
#: Folder, inside a feedback folder, that holds the local copy of MathJax.
MATHJAX_DIR = "_mathjax"
#: How nbgrader's pages (``feedback/<student>/<lesson>/<lesson>.html``) load MathJax.
MATHJAX_URL = f"../../{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"

#: Output areas wrap long lines (hints, tracebacks) instead of scrolling sideways.
WRAP_CSS = """
div.output_area pre, div.output_subarea pre, div.output_text pre, div.output_error pre {
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  word-break: normal;
}
div.output_subarea { max-width: 100%; overflow-x: visible; }
"""

# What of MathJax 2.7 a page needs: the combined TeX + HTML-CSS configuration, its
# extensions and STIX web fonts. Left out: the SVG output's fonts, the accessibility
# extension and translations of MathJax's own menu (about 8 of its 11.5 MB).
_MATHJAX_SKIP = ("jax/output/SVG", "extensions/a11y", "localization")
_MATHJAX_KEEP = ("localization/en",)
_OUR_PACKAGES = ("autograde", "nst_utils", "cyclegan")


def mathjax_source() -> Path:
    """The MathJax 2.7 folder shipped by ``jupyter-server-mathjax``.

    Raises:
        RuntimeError: when that package is not installed.
    """
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jupyter-server-mathjax is not installed; feedback pages need "
                           "its copy of MathJax (pip install jupyter-server-mathjax).")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _wanted(relative: str) -> bool:
    if any(relative.startswith(keep) for keep in _MATHJAX_KEEP):
        return True
    return not any(relative.startswith(skip) for skip in _MATHJAX_SKIP)


def install_mathjax(feedback_dir: Path) -> Path:
    """Copy MathJax into ``feedback_dir/_mathjax`` unless it is there already.

    Returns:
        The ``MathJax.js`` of the copy.
    """
    target = Path(feedback_dir) / MATHJAX_DIR
    entry = target / "MathJax.js"
    if entry.exists():
        return entry
    source = mathjax_source()
    partial = target.with_name(f"{MATHJAX_DIR}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).as_posix()
        if path.is_file() and _wanted(relative):
            destination = partial / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    try:
        partial.rename(target)  # whole or not at all: a page never sees half a copy
    except OSError:  # another process finished first
        shutil.rmtree(partial, ignore_errors=True)
    return entry


def relocate_page(html: str, depth: int) -> str:
    """A page's HTML with its MathJax URL fixed for a page ``depth`` folders below the
    feedback folder (nbgrader's own pages are 2 deep)."""
    return html.replace(f'src="../../{MATHJAX_DIR}/', f'src="{"../" * depth}{MATHJAX_DIR}/')


# --------------------------------------------------------------------------- paths
def _package_dirs() -> dict[str, str]:
    found = {}
    for name in _OUR_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            found[str(Path(next(iter(spec.submodule_search_locations))).resolve())] = name
    return found


@lru_cache(maxsize=16)
def _rules(extra: tuple[tuple[str, str], ...]) -> tuple[re.Pattern, dict[str, str]]:
    labels: dict[str, str] = {}

    def add(path: str | os.PathLike | None, label: str) -> None:
        if not path:
            return
        for variant in {str(path), os.path.realpath(path)}:
            variant = variant.rstrip("/")
            if variant and variant != "/" and variant not in labels:
                labels[variant] = label

    for path, label in extra:
        add(path, label)
    for path, name in _package_dirs().items():
        add(path, name)
        checkout = Path(path).parent
        if (checkout / "solutions").is_dir():  # a course repository: its other folders
            add(checkout, ".")
    paths = sysconfig.get_paths()
    for key in ("purelib", "platlib"):
        add(paths.get(key), "site-packages")
    for folder in [*getattr(site, "getsitepackages", list)(), site.getusersitepackages()]:
        add(folder, "site-packages")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for key in ("stdlib", "platstdlib"):
        add(paths.get(key), version)
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        add(prefix, "python")
    add(Path.home(), "~")
    add(tempfile.gettempdir(), "tmp")
    add("/tmp", "tmp")
    # Longest first, so the most specific folder names a path.
    ordered = sorted(labels, key=len, reverse=True)
    # The sandboxed kernel's private home and temporary folder (``autograde-work-*``
    # and friends in the grader's temporary folder) read as the student's ``~``.
    temp = "|".join(re.escape(t.rstrip("/")) for t in
                    {tempfile.gettempdir(), os.path.realpath(tempfile.gettempdir()), "/tmp"})
    # A path starts after a non-path character, after ``file://``, or right after a
    # terminal colour code (``\x1b[32m``) as in IPython's tracebacks.
    pattern = re.compile(
        rf"(?:(?<=file://)|(?<=\dm)|(?<![\w.~/-]))(?:(?P<home>(?:{temp})/autograde-work-[^/\s'\"\x1b]+)|"
        rf"(?P<known>{'|'.join(re.escape(p) for p in ordered)}))(?=[/\s'\"\x1b:,)\]]|$)")
    return pattern, labels


def scrub(text: str, extra: dict[str, str] | None = None) -> str:
    """``text`` with the grader machine's absolute paths replaced by short names.

    Args:
        text: any output text or traceback line.
        extra: more folders to name, ``{path: label}`` (e.g. the course folder).
    """
    if "/" not in text:
        return text
    pattern, labels = _rules(tuple(sorted((extra or {}).items())))

    def name(match: re.Match) -> str:
        if match.group("home"):
            return "~"
        return labels[match.group("known")]

    return pattern.sub(name, text)


def _scrub_value(value: Any, extra: dict[str, str]) -> Any:
    if isinstance(value, str):
        return scrub(value, extra)
    if isinstance(value, list):
        return [_scrub_value(item, extra) for item in value]
    return value


#: What a feedback page shows instead of the hidden tests' code.
HIDDEN_NOTE = "# Hidden tests ran here: other shapes and seeds. Their code is not shown."
_HIDDEN_REGION = re.compile(
    r"^([ \t]*)### BEGIN HIDDEN TESTS\n.*?^[ \t]*### END HIDDEN TESTS[ \t]*$", flags=re.M | re.S)


def hide_hidden_tests(source: str) -> str:
    """A cell's source with every hidden-tests region replaced by :data:`HIDDEN_NOTE`.

    nbgrader's feedback shows test cells as they ran, hidden tests included
    (jupyter/nbgrader#917); the seeds and shapes of the hidden cases would then reach
    every student who reads a feedback page.
    """
    return _HIDDEN_REGION.sub(lambda m: m.group(1) + HIDDEN_NOTE, source)


class ScrubPaths(Preprocessor):
    """nbconvert preprocessor: grader paths and hidden tests out, the wrapping CSS in.

    Runs in nbgrader's ``GenerateFeedback`` (see the shipped configuration). The course
    folder, found from the notebook being converted, is named ``course``.
    """

    enabled = Bool(True, help="nbconvert runs only enabled preprocessors").tag(config=True)

    def preprocess(self, nb, resources):
        extra = {}
        folder = Path((resources.get("metadata") or {}).get("path") or ".").resolve()
        if folder.parent.parent.name == "autograded":  # <course>/autograded/<student>/<lesson>
            extra[str(folder.parents[2])] = "course"
        for cell in nb.cells:
            if cell.get("cell_type") == "code":
                cell.source = hide_hidden_tests(cell.source)
            for output in cell.get("outputs", []):
                for key in ("text", "evalue", "traceback"):
                    if key in output:
                        output[key] = _scrub_value(output[key], extra)
                data = output.get("data") or {}
                for mime in list(data):
                    if mime.startswith("text/"):
                        data[mime] = _scrub_value(data[mime], extra)
        inlining = resources.setdefault("inlining", {})
        inlining["css"] = [*inlining.get("css", []), WRAP_CSS]
        return nb, resources
