"""export_code: write a fitted search's winning model as standalone Python.

The generated module rebuilds ``best_estimator_`` with plain scikit-learn /
LightGBM / CatBoost / skorch / torch code: ``build_model()`` returns the unfitted
estimator with every hyperparameter as found, the sklearn_automl code it needs
(custom transformers, torch modules) is written out inline, and a
``__main__`` block trains on and predicts from CSV files.

- :mod:`._render` walks the estimator's parameters (generic: anything with
  ``get_params``), :mod:`._inline` copies the library code the model refers
  to, :mod:`._imports` writes the import block and keeps names apart,
  :mod:`._template` holds the command line.
- User data (column names, category and class labels) reaches the source
  only through ``repr`` of plain Python values, and only through ``#``
  comments after escaping; nothing here evaluates text.
"""

from __future__ import annotations

import functools
import importlib.metadata
import math
import os
import platform
import re
import sys
from pathlib import Path

from ._imports import Imports
from ._inline import Inliner
from ._render import Renderer, format_node, is_ours, public_location
from ._template import CLI, DOCSTRING, FIT_MODEL

__all__ = ["export_code"]

#: packages always listed in the header and requirements (distribution names)
_CORE_DISTRIBUTIONS = ("scikit-learn", "numpy", "scipy", "pandas", "joblib")
#: versions reported in the header
_REPORTED = (
    "scikit-learn", "numpy", "pandas", "scipy", "lightgbm", "catboost", "joblib", "torch",
    "skorch",
)
#: what the command line imports, and the names it defines
_TEMPLATE_IMPORTS = (("argparse", None), ("sys", None), ("joblib", None), ("pandas", "pd"))
_TEMPLATE_NAMES = (
    "COLUMN_KINDS", "INPUT", "FIT_THREADS", "build_model", "fit_model", "read_csv",
    "train", "predict", "main",
)


def export_code(automl, path=None, *, overwrite=False):
    """Python source that rebuilds ``automl.best_estimator_`` without this library.

    Read more in the :ref:`User Guide <export>`.

    Parameters
    ----------
    automl : AutoMLClassifier or AutoMLRegressor
        A fitted search.
    path : str or path-like, optional
        File to write the source to. An existing directory receives
        ``model.py`` and ``requirements.txt``.
    overwrite : bool, default=False
        Replace existing files; otherwise an existing file raises
        ``FileExistsError`` and nothing is written.

    Returns
    -------
    source : str
        The generated module: a header comment (data, score, search,
        versions, requirements), the imports, the sklearn_automl code it
        needs, ``build_model()`` and a command line (``python model.py
        train.csv --target COL``; ``python model.py predict model.joblib
        data.csv``).

    Raises
    ------
    TypeError
        A parameter value has no source form (a lambda, an open handle, a
        ``RandomState`` instance...); the message names the parameter.
    ValueError
        Library code cannot be inlined (it imports a sklearn_automl module
        object, or imports the library inside a function), or two inlined
        definitions need the same name; the message names module and line.
    FileExistsError
        A target file exists and ``overwrite`` is False.
    """
    renderer = Renderer()
    model = renderer.render(automl.best_estimator_, "best_estimator_")
    kinds = dict(getattr(automl, "column_kinds_", {}))
    kinds_node = renderer.render(kinds, "column_kinds_")

    inliner = Inliner()
    for obj in renderer.refs.values():
        module, qualname = public_location(obj, "a parameter")
        if is_ours(module):
            inliner.need(module, qualname.split(".")[0])
    imports = Imports()
    for module, asname in _TEMPLATE_IMPORTS:
        imports.add(("import", module, asname), "the command line")
    imports.add(("from", "threadpoolctl", "threadpool_limits", None), "fit_model")
    for feature in inliner.future():
        imports.add(("future", feature), "the inlined code")
    for module, stmt in inliner.imports():
        imports.add(stmt, module)
    for module, name in inliner.bindings():
        imports.define(name, module)
    for name in _TEMPLATE_NAMES:
        imports.define(name, "the command line")
    names = imports.resolve_refs(renderer.refs.values())

    requirements = _requirements(imports.top_level_modules())
    parts = [_header(automl, requirements), DOCSTRING, imports.source()]
    for module, code in inliner.chunks():
        dist = _distribution(module.split(".")[0])
        parts.append(f"# ---- from {module} ({dist} {_version(dist)}) ----\n{code}")
    parts.append(
        "#: the columns the model was trained on, in order, and how each is used\n"
        "COLUMN_KINDS = "
        f"{format_node(kinds_node, names, 0, len('COLUMN_KINDS = '), 0)}\n"
        '#: how the model takes X: "frame" (a DataFrame, columns by name),\n'
        '#: "frame_by_position" (a DataFrame, columns by position) or "array"\n'
        f"INPUT = {_input_kind(automl, kinds)!r}\n"
        "#: BLAS/OpenMP threads of sklearn_automl's refit (see fit_model)\n"
        f"FIT_THREADS = {_fit_threads(automl)!r}"
    )
    body = format_node(model, names, 4, len("    return "), 0)
    parts.append(
        "def build_model():\n"
        '    """Return the unfitted estimator, with every hyperparameter as found."""\n'
        f"    return {body}"
    )
    parts.append(FIT_MODEL)
    parts.append(_cli())
    source = _join(parts)
    if path is not None:
        _write(path, source, "".join(f"{r}\n" for r in requirements), overwrite)
    return source


def _fit_threads(automl):
    """Threads the refit ran under (``threadpool_limits`` in ``BaseAutoML``)."""
    threads = getattr(automl, "refit_n_threads_", None)
    if threads is not None:
        return int(threads)
    # Without the recorded number: the search's thread budget, which equals
    # the refit's for n_jobs=None/1 (the component may lower it otherwise).
    threads = getattr(automl, "_n_threads", None)
    return int(threads()) if callable(threads) else None


def _cli():
    import pandas as pd

    major, minor = (int(v) for v in re.findall(r"\d+", pd.__version__)[:2])
    if (major, minor) >= (3, 1):
        # Every float parser of pandas >= 3.1 round-trips; the option is deprecated.
        return CLI.replace(', float_precision="round_trip"', "")
    return CLI


def _join(parts):
    """Top-level blocks, two blank lines apart (one after the imports when
    no def or class follows, as isort wants)."""
    out = ""
    for part in (p.strip("\n") for p in parts if p.strip("\n")):
        if out:
            follows_imports = re.match(r"(from|import) \S", out.rsplit("\n\n", 1)[-1])
            gap = "\n\n\n"
            code = re.sub(r"\A(#.*\n)*", "", part)  # comments stick to what follows
            if follows_imports and not re.match(r"(class |def |async def |@)", code):
                gap = "\n\n"
            out += gap
        out += part
    return out + "\n"


@functools.cache
def _distribution(top_module):
    dists = importlib.metadata.packages_distributions().get(top_module)
    return dists[0] if dists else top_module


def _version(distribution):
    if distribution == "sklearn_automl":
        from .. import __version__

        return __version__
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _requirements(top_modules):
    dists = list(_CORE_DISTRIBUTIONS)
    for top in top_modules:
        if top in sys.stdlib_module_names or is_ours(top):
            continue
        dist = _distribution(top)
        if dist not in dists:
            dists.append(dist)
    out = []
    for dist in sorted(dists, key=str.lower):
        version = _version(dist)
        out.append(f"{dist}>={version}" if version else dist)
    return out


def _printable(text):
    """``text`` safe inside a ``#`` comment: no line breaks, no control characters."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        for ch in str(text)
    )


def _names_list(names, limit=12):
    shown = ", ".join(_printable(repr(n)) for n in names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names) - limit} more)"
    return shown


def _n_samples(automl):
    n = getattr(automl, "n_samples_fit_", None)
    if n is not None:
        return int(n)
    for trial in getattr(getattr(automl, "history_", None), "trials", []):
        if getattr(trial, "oof", None) is not None:
            return int(trial.oof.shape[0])
    return None


def _scoring_name(automl):
    scorer = getattr(automl, "scorer_", None)
    if hasattr(scorer, "replaces"):  # a fallback for a metric undefined on folds
        return repr(scorer)
    if isinstance(automl.scoring, str):
        return automl.scoring
    if automl.scoring is None and hasattr(automl, "_default_scoring"):
        return automl._default_scoring()
    return repr(getattr(automl, "scorer_", automl.scoring))


def _header(automl, requirements):
    from .. import __version__

    kinds = getattr(automl, "column_kinds_", {})
    n_rows = _n_samples(automl)
    source = "a DataFrame" if hasattr(automl, "feature_names_in_") else "an array"
    lines = [
        (
            f"Exported by sklearn_automl {__version__} from "
            f"{type(automl).__name__} (export_code)."
        ),
        (
            f"Found on {'?' if n_rows is None else n_rows} rows x "
            f"{automl.n_features_in_} columns ({source}); column kinds:"
        ),
    ]
    by_kind = {}
    for name, kind in kinds.items():
        by_kind.setdefault(kind, []).append(name)
    for kind, names in by_kind.items():
        lines.append(f"  {kind} ({len(names)}): {_names_list(names)}")
    score = getattr(automl, "best_score_", math.nan)
    lines.append(
        f"Score: {score:.6g} ({_scoring_name(automl)}, mean over "
        f"{getattr(automl, 'n_splits_', '?')} validation folds), model family "
        f"{getattr(automl, 'best_family_', '?')!r}."
    )
    search = automl.search if isinstance(automl.search, str) else type(
        automl.search
    ).__name__
    lines.append(
        f"Search: {search}, {getattr(automl, 'n_trials_', '?')} trials, "
        f"cv={automl.cv!r}, time_budget={automl.time_budget!r}, "
        f"max_trials={automl.max_trials!r}, random_state={automl.random_state!r}, "
        f"{getattr(automl, 'search_time_', math.nan):.1f}s."
    )
    versions = [f"sklearn_automl {__version__}", f"python {platform.python_version()}"]
    versions += [f"{d} {_version(d)}" for d in _REPORTED if _version(d)]
    lines.append("Library versions: " + ", ".join(versions) + ".")
    lines.append(
        "Requirements (requirements.txt; the predictions are reproduced exactly "
        "with the versions above):"
    )
    lines += [f"  {r}" for r in requirements]
    return "\n".join(f"# {_printable(line)}".rstrip() for line in lines)


def _input_kind(automl, kinds):
    if hasattr(automl, "feature_names_in_"):
        return "frame"
    if any(kind != "numeric" for kind in kinds.values()):
        return "frame_by_position"
    return "array"


def _write(path, source, requirements, overwrite):
    path = Path(os.fspath(path))
    targets = [(path, source)]
    if path.is_dir():
        targets = [(path / "model.py", source), (path / "requirements.txt", requirements)]
    if not overwrite:
        for target, _ in targets:
            if target.exists():
                raise FileExistsError(
                    f"{target} already exists; pass overwrite=True to replace it."
                )
    for target, text in targets:
        with open(target, "w" if overwrite else "x", encoding="utf-8", newline="\n") as f:
            f.write(text)


