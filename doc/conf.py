"""Sphinx configuration of the sklearn_automl documentation.

Build with ``make html`` in this folder (or
``python -m sphinx -b html . _build/html``). numpydoc and sphinx-gallery
are used when installed (``pip install ".[docs]"``); without them the build
still runs, with docstrings rendered by ``sphinx.ext.napoleon`` and without
the example gallery.
"""

import importlib.util
import os
import sys
import warnings

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
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]


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
        "download_all_examples": False,
        "plot_gallery": "True",
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

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "pandas": ("https://pandas.pydata.org/docs", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
}
# The build must not fail offline: unreachable inventories only warn.
intersphinx_timeout = 5

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
if not _installed("sphinx_gallery"):
    exclude_patterns += ["auto_examples", "sg_execution_times.rst"]

source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"

html_theme = "alabaster"
html_title = f"sklearn_automl {release}"
html_static_path = []
