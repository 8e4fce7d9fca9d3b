"""Sphinx configuration of the sklearn_automl documentation.

Build with ``make html`` in this folder (warnings are errors: ``-W``), or
``make html-noplot`` to skip running the examples. numpydoc, sphinx-gallery
and the pydata theme are used when installed (``pip install ".[docs]"``);
without them the build still runs, with docstrings rendered by
``sphinx.ext.napoleon``, without the example gallery and with the default
theme.

The build is offline: links to the Python, NumPy, pandas and scikit-learn
documentation (intersphinx) are resolved only when
``SKLEARN_AUTOML_DOCS_ONLINE=1`` is set, since an unreachable inventory is a
warning, and warnings fail the build.
"""

import importlib.util
import os
import sys
import warnings
from typing import ClassVar

# The examples draw with matplotlib's non-interactive backend.
os.environ.setdefault("MPLBACKEND", "Agg")

# Document the checkout this file lives in, even without an installed package.
sys.path.insert(0, os.path.abspath(".."))

import sklearn_automl

project = "sklearn_automl"
author = "The sklearn_automl developers"
copyright = "The sklearn_automl developers"
release = sklearn_automl.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
]
if os.environ.get("SKLEARN_AUTOML_DOCS_ONLINE") == "1":
    extensions.append("sphinx.ext.intersphinx")


def _installed(module):
    return importlib.util.find_spec(module) is not None


if _installed("numpydoc"):
    extensions.append("numpydoc")
    # The class docstrings list their attributes; no second member table.
    numpydoc_show_class_members = False
    numpydoc_class_members_toctree = False
else:
    warnings.warn(
        "numpydoc is not installed; docstrings are rendered with napoleon. "
        'Install the docs extra: pip install ".[docs]".',
        stacklevel=1,
    )
    extensions.append("sphinx.ext.napoleon")
    napoleon_google_docstring = False
    napoleon_numpy_docstring = True

if _installed("sphinx_gallery"):
    extensions.append("sphinx_gallery.gen_gallery")
    sphinx_gallery_conf = {
        "examples_dirs": ["../examples"],
        "gallery_dirs": ["auto_examples"],
        "filename_pattern": r"/plot_",
        "ignore_pattern": r"__init__\.py",
        "within_subsection_order": "FileNameSortKey",
        # the gallery's sections, from a first search to the NAS estimators
        "subsection_order": [
            "../examples/quickstart",
            "../examples/sklearn",
            "../examples/search",
            "../examples/inspection",
            "../examples/nas",
        ],
        "download_all_examples": False,
        "plot_gallery": "True",
        # each example's figures are its own; the examples' budgets are small
        "reset_modules": ("matplotlib",),
        "show_memory": False,
        "min_reported_time": 1,
        # "Examples using X" on each API page (the ``minigallery`` of the
        # autosummary templates in _templates/)
        "backreferences_dir": "generated/backreferences",
        "doc_module": ("sklearn_automl",),
        # a failing example fails the build
        "abort_on_example_error": True,
        "only_warn_on_example_error": False,
    }
    if not _installed("matplotlib"):
        # sphinx-gallery imports matplotlib when it scrapes figures.
        sphinx_gallery_conf["image_scrapers"] = ()
else:
    warnings.warn(
        "sphinx-gallery is not installed; the example gallery is left out. "
        'Install the docs extra: pip install ".[docs]".',
        stacklevel=1,
    )

templates_path = ["_templates"]
autosummary_generate = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "pandas": ("https://pandas.pydata.org/docs", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
}
intersphinx_timeout = 5

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
if not _installed("sphinx_gallery"):
    exclude_patterns += ["auto_examples", "sg_execution_times.rst"]

source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"

html_title = f"sklearn_automl {release}"
html_static_path = []
if _installed("pydata_sphinx_theme"):
    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navbar_align": "left",
        "show_toc_level": 2,
        "navigation_with_keys": False,
        "header_links_before_dropdown": 7,
    }
    # no "edit this page" or search-engine extras: nothing outside the build
    html_context = {"default_mode": "light"}
else:
    html_theme = "alabaster"


def _skip_foreign_member(app, what, name, obj, skip, options):
    """Document our own methods only: not what scikit-learn's mixins add
    (``score``, ``get_params``, the ``set_*_request`` routing methods),
    whose docstrings point at scikit-learn's own pages."""
    if skip or what != "class":
        return skip
    if name.startswith("set_") and name.endswith("_request"):
        return True
    module = getattr(getattr(obj, "__func__", obj), "__module__", None) or ""
    if callable(obj) and not module.startswith("sklearn_automl"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_member)
    if not _installed("sphinx_gallery"):
        # the API templates call minigallery; without the gallery it is empty
        from docutils.parsers.rst import Directive

        class _NoGallery(Directive):
            optional_arguments = 1
            final_argument_whitespace = True
            option_spec: ClassVar[dict] = {"add-heading": str, "heading-level": str}

            def run(self):
                return []

        app.add_directive("minigallery", _NoGallery)
