"""Collection settings for the doctests of the package (``--doctest-modules``)."""

import importlib.util

# Modules that import an optional extra at their top: their doctests run only
# where the extra is installed.
collect_ignore = []
if importlib.util.find_spec("catboost") is None:
    collect_ignore.append("sklearn_automl/space/_catboost.py")
