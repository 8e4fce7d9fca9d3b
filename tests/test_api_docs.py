"""Every public name (each public package's ``__all__``) is on the API page."""

import importlib
import pkgutil
import re
from pathlib import Path

import sklearn_automl

API = Path(__file__).resolve().parents[1] / "doc" / "api.rst"


def _documented(text):
    """``{module: {names}}`` listed in the autosummary tables of ``text``."""
    found, module, in_table = {}, None, False
    for line in text.splitlines():
        if m := re.match(r"\.\. currentmodule:: (\S+)", line):
            module, in_table = m.group(1), False
        elif line.startswith(".. autosummary::"):
            in_table = True
        elif in_table and re.match(r"   [A-Za-z_]\w*\s*$", line):
            found.setdefault(module, set()).add(line.strip())
        elif in_table and line and not line.startswith(" "):
            in_table = False
    return found


def _public_packages():
    names = ["sklearn_automl"]
    for info in pkgutil.iter_modules(sklearn_automl.__path__):
        if info.ispkg and not info.name.startswith("_"):
            names.append(f"sklearn_automl.{info.name}")
    return names


def test_every_public_name_is_in_the_api_reference():
    documented = _documented(API.read_text(encoding="utf-8"))
    missing = []
    for package in _public_packages():
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", []):
            if name != "__version__" and name not in documented.get(package, set()):
                missing.append(f"{package}.{name}")
    assert not missing, (
        f"public names missing from doc/api.rst: {missing}; add each to the "
        "autosummary table of its module"
    )


def test_the_api_reference_lists_only_public_names():
    documented = _documented(API.read_text(encoding="utf-8"))
    assert "sklearn_automl.inspection" in documented
    for package, names in documented.items():
        public = set(getattr(importlib.import_module(package), "__all__", []))
        assert names <= public, f"{package}: {sorted(names - public)} are not public"


def test_the_parser_sees_a_missing_name():
    text = API.read_text(encoding="utf-8").replace("   SearchHistoryDisplay\n", "")
    assert "SearchHistoryDisplay" not in _documented(text)["sklearn_automl.inspection"]
