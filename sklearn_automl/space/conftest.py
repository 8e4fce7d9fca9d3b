"""Collection settings for this package's doctests (``--doctest-modules``).

Here and not at the repository root: a root ``conftest.py`` is importable
as the top-level module ``conftest`` in the search's worker processes
(their ``sys.path`` starts with the working directory) and shadows
``tests/conftest.py``, whose estimators the tests' trials unpickle.
"""

import importlib.util

# Modules that import an optional extra at their top: their doctests run only
# where the extra is installed.
collect_ignore = []
if importlib.util.find_spec("catboost") is None:
    collect_ignore.append("_catboost.py")
