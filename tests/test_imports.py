"""Import layering: ``space`` is below ``nas`` and never imports it."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import sklearn_automl

PACKAGE = Path(sklearn_automl.__file__).resolve().parent


def _imported_modules(path, root=PACKAGE.parent):
    """Absolute names of what ``path`` imports, anywhere in its body.

    ``root`` is the folder holding the top-level package (to resolve
    relative imports); ``importlib.import_module("...")`` and
    ``__import__("...")`` with a literal name count too.
    """
    package = path.relative_to(root).with_suffix("").parts[:-1]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ((node.module,) if node.module else ()))
            else:
                module = node.module
            names.append(module)
            names += [f"{module}.{alias.name}" for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and getattr(node.func, "attr", getattr(node.func, "id", None))
              in ("import_module", "__import__")):
            names.append(node.args[0].value)
    return names


def test_the_static_check_sees_relative_and_lazy_imports(tmp_path):
    module = tmp_path / "sklearn_automl" / "space" / "_probe.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "from . import _params\n"
        "def f():\n    from ..nas import MLPNetClassifier\n"
        "    from ..nas._estimators import MLPNetRegressor\n"
        "    import importlib\n    importlib.import_module('sklearn_automl.nas')\n",
        encoding="utf-8",
    )
    names = _imported_modules(module, root=tmp_path)
    assert "sklearn_automl.space._params" in names
    assert "sklearn_automl.nas.MLPNetClassifier" in names
    assert "sklearn_automl.nas._estimators" in names
    assert names.count("sklearn_automl.nas") == 2


def test_no_module_under_space_imports_nas():
    files = sorted((PACKAGE / "space").rglob("*.py"))
    assert files
    offending = {
        str(f.relative_to(PACKAGE)): name
        for f in files
        for name in _imported_modules(f)
        if name == "sklearn_automl.nas" or name.startswith("sklearn_automl.nas.")
    }
    assert not offending, offending


def test_importing_space_imports_neither_nas_nor_torch():
    code = (
        "import json, sys\n"
        "import sklearn_automl.space\n"
        "import sklearn_automl.space._default as d\n"
        "d.core_components('classification'); d.core_components('regression')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'skorch', 'sympy') or m == 'sklearn_automl.nas' "
        "or m.startswith('sklearn_automl.nas.'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        timeout=300,
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


def test_dask_executor_still_resolves_at_its_old_module():
    # it moved from _execution to _dask: pickles and imports naming the old
    # module (an AutoML pickled with executor=DaskExecutor(...)) still load
    import pickle

    from sklearn_automl import DaskExecutor, _execution

    assert _execution.DaskExecutor is DaskExecutor
    old = pickle.dumps(DaskExecutor, protocol=0).replace(b"sklearn_automl._dask",
                                             b"sklearn_automl._execution")
    assert b"sklearn_automl._execution" in old
    assert pickle.loads(old) is DaskExecutor
