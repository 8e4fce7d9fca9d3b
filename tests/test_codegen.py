"""export_code: the exported file rebuilds the winning model without sklearn_automl.

Every round trip runs the exported file in a subprocess where importing
``sklearn_automl`` fails; all cases share one subprocess (see ``_RUNNER``) so
the module stays fast.
"""

import ast
import functools
import importlib.util
import json
import math
import pickle
import subprocess
import sys
import textwrap
from collections import namedtuple
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import StackingClassifier, VotingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from sklearn_automl import AutoMLClassifier, AutoMLRegressor
from sklearn_automl.space import Float

FAMILIES = (
    "lightgbm",
    "linear",
    "hist_gradient_boosting",
    "random_forest",
    "extra_trees",
    "knn",
)
SEARCH = {"max_trials": 2, "time_budget": None, "cv": 2, "random_state": 0}
Case = namedtuple("Case", "automl X y X_test source directory")

# Runs exported files with sklearn_automl made unimportable.
_BLOCK = textwrap.dedent(
    """
    import sys

    class _NoAutoML:
        def find_spec(self, name, path=None, target=None):
            if name == "sklearn_automl" or name.startswith("sklearn_automl."):
                raise ImportError(f"{name} is blocked in this test")

    sys.meta_path.insert(0, _NoAutoML())
    for _name in [m for m in sys.modules if m.startswith("sklearn_automl")]:
        del sys.modules[_name]
    """
)
# python -c _CLI JSON: run [cwd, model.py, argv] commands as `python model.py argv`
# (each runs the file's __main__ block afresh, as a new process would).
_CLI = _BLOCK + textwrap.dedent(
    """
    import json
    import os
    import runpy

    for cwd, model, argv in json.loads(sys.argv[1]):
        os.chdir(cwd)
        sys.argv = [model, *argv]
        runpy.run_path(model, run_name="__main__")
    assert not any(m.startswith("sklearn_automl") for m in sys.modules)
    """
)
# python -c _RUNNER DIR...: fit build_model() of DIR/model.py on DIR/data.pkl.
_RUNNER = _BLOCK + textwrap.dedent(
    """
    import pickle
    import runpy

    for case in sys.argv[1:]:
        ns = runpy.run_path(f"{case}/model.py", run_name="exported_model")
        with open(f"{case}/data.pkl", "rb") as f:
            X, y, X_test = pickle.load(f)
        model = ns["fit_model"](X, y)
        out = {"predict": model.predict(X_test)}
        if hasattr(model, "predict_proba"):
            out["predict_proba"] = model.predict_proba(X_test)
        with open(f"{case}/predictions.pkl", "wb") as f:
            pickle.dump(out, f)
    assert not any(m.startswith("sklearn_automl") for m in sys.modules)
    """
)

HOSTILE_COLUMNS = [
    'x"); import os; os.system("echo pwned"); ("',
    "x'); open('PWNED', 'w'); ('",
    "line\nbreak # ); open('PWNED', 'w')",
    "back\\slash\\",
    "naïve ünïcødé ✓ 列",
    "class",
    "None",
    '"""',
    "tab\there\r\n",
    "\u202e reversed \u2028 separator \x00 nul",
]
HOSTILE_LABELS = np.array(['"); open("PWNED", "w"); ("', "déjà\nvu", "if"], dtype=object)

# A library module with a torch module in it, as the nas/ package will have.
NET_MODULE = '''
"""A torch module for the export test."""

import torch
from torch import nn


class TinyNet(nn.Module):
    """Two dense layers; seeds torch so that training is reproducible."""

    def __init__(self, n_in=4, n_hidden=8, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.hidden = nn.Linear(n_in, n_hidden)
        self.out = nn.Linear(n_hidden, 2)

    def forward(self, X):
        hidden = torch.relu(self.hidden(X.float()))
        return torch.softmax(self.out(hidden), dim=-1)
'''

# Library modules that use their siblings, well and badly.
SIBLING_MODULE = '''
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from sklearn_automl.features import CategoryNormalizer as Norm

UNUSED = object()  # not needed by Doubler: left out of the export


def _twice(X):
    return 2 * np.asarray(X, dtype=float)


class Doubler(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        self.norm_ = Norm
        return self

    def transform(self, X):
        return _twice(X)

    def width(self, n_codes):
        # deferred (as the nets defer torch): inlined, the import left out
        from sklearn_automl.nas._archspec import embedding_dim

        return embedding_dim(n_codes)
'''
BAD_MODULES = {
    "module object": (
        '''
from sklearn.base import BaseEstimator

from sklearn_automl import space


class Leaky(BaseEstimator):
    def fit(self, X, y=None):
        self.space_ = space.Float(0, 1)
        return self
''',
        r"line 4 imports the module sklearn_automl\.space",
    ),
    "nested module import": (
        '''
from sklearn.base import BaseEstimator


class Leaky(BaseEstimator):
    def fit(self, X, y=None):
        from sklearn_automl import space

        self.space_ = space.Float(0, 1)
        return self
''',
        r"line 7 imports the module sklearn_automl\.space inside a block",
    ),
    "nested renamed import": (
        '''
from sklearn.base import BaseEstimator


class Leaky(BaseEstimator):
    def fit(self, X, y=None):
        from sklearn_automl.space import Float as F

        self.space_ = F(0, 1)
        return self
''',
        r"line 7 imports Float as F inside a block",
    ),
}


# ---------------------------------------------------------------- data
def _frame(rng, n, unseen=False):
    cities = ["paris", "rome", "oslo", None] + (["madrid"] if unseen else [])
    return pd.DataFrame(
        {
            "num": np.where(rng.rand(n) < 0.1, np.nan, rng.normal(size=n)),
            "count": rng.randint(0, 10, n),
            "city": pd.Series(rng.choice(cities, n), dtype=object),
            "flag": rng.rand(n) > 0.5,
            "grade": pd.Categorical(rng.choice(["a", "b", "c"], n)),
            "stock": pd.array(
                np.where(rng.rand(n) < 0.2, None, rng.randint(0, 5, n)), dtype="Int64"
            ),
        }
    )


def _all_kinds_frame(rng, n):
    """Columns of every kind the featurizer detects (see infer_column_kinds)."""
    words = [f"w{i}" for i in range(300)]
    notes = [" ".join(rng.choice(words, 6)) for _ in range(60)]
    frame = _frame(rng, n)
    frame["when"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        rng.randint(0, 400, n), unit="D"
    )
    frame["note"] = rng.choice(notes, n)
    frame["zip"] = [f"z{v}" for v in rng.randint(0, 80, n)]
    tags = np.array(["salt", "pepper", "garlic", "basil", "lemon", "chili", "mint"])
    frame["tags"] = [", ".join(rng.choice(tags, rng.randint(1, 5), replace=False))
                     for _ in range(n)]
    frame["row_id"] = np.arange(n) + (0 if n == 120 else 1000)
    frame["const"] = "same"
    return frame


def _data(kind, task, n=80, n_test=30):
    rng = np.random.RandomState(0)
    if kind == "numpy":
        X = rng.normal(size=(n + n_test, 4))
        X[rng.rand(*X.shape) < 0.05] = np.nan
        signal = np.nan_to_num(X[:, 0]) - np.nan_to_num(X[:, 1])
        X, X_test = X[:n], X[n:]
    else:
        X, X_test = _frame(rng, n), _frame(rng, n_test, unseen=True)
        both = pd.concat([X, X_test])
        signal = both["num"].fillna(0).to_numpy() + (both["city"] == "rome") * 1.5
    if task == "classification":
        y = (signal > np.median(signal)).astype(int)
    else:
        y = 3.0 * signal + rng.normal(scale=0.1, size=len(signal))
    return X, y[:n], X_test


def _fake_module(directory, name, source):
    """Import ``source`` as the library module ``name`` (from a real file)."""
    path = Path(directory) / (name.rsplit(".", 1)[1] + ".py")
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _cases(tmp):
    """(case id, fitted AutoML, X, y, X_test) for every round trip."""
    for family in FAMILIES:
        for task in ("classification", "regression"):
            for kind in ("numpy", "pandas"):
                X, y, X_test = _data(kind, task)
                cls = AutoMLClassifier if task == "classification" else AutoMLRegressor
                automl = cls(estimators=[family], **SEARCH).fit(X, y)
                yield f"{family}-{task}-{kind}", automl, X, y, X_test

    X, y, X_test = _data("pandas", "classification")
    svc = ("svc", SVC(probability=True, random_state=0), {"C": Float(0.1, 10.0, log=True)})
    yield "custom_svc", AutoMLClassifier(estimators=[svc], **SEARCH).fit(X, y), X, y, X_test

    stack = StackingClassifier(
        [
            ("lr", LogisticRegression()),
            ("tree", DecisionTreeClassifier(max_depth=3, random_state=0)),
        ],
        final_estimator=LogisticRegression(C=0.5),
        cv=3,
    )
    automl = AutoMLClassifier(estimators=[("stack", stack, {})], **SEARCH).fit(X, y)
    yield "ensemble_stacking", automl, X, y, X_test

    X, y, X_test = _data("pandas", "regression")
    vote = VotingRegressor(
        [("ridge", Ridge()), ("tree", DecisionTreeRegressor(max_depth=4, random_state=0))],
        weights=[2.0, 1.0],
    )
    automl = AutoMLRegressor(estimators=[("vote", vote, {})], **SEARCH).fit(X, y)
    yield "ensemble_voting", automl, X, y, X_test

    # Integer column names: the featurizer selects columns by position.
    X, y, X_test = _data("pandas", "regression")
    X, X_test = X.set_axis(range(X.shape[1]), axis=1), X_test.set_axis(
        range(X.shape[1]), axis=1
    )
    yield "int_columns", AutoMLRegressor(estimators=["linear"], **SEARCH).fit(
        X, y
    ), X, y, X_test

    yield ("hostile", *_hostile_fit())

    rng = np.random.RandomState(2)
    X, X_test = _all_kinds_frame(rng, 120), _all_kinds_frame(rng, 30)
    y = (X["num"].fillna(0) + (X["city"] == "rome") > 0.2).astype(int).to_numpy()
    automl = AutoMLClassifier(estimators=["lightgbm"], **SEARCH).fit(X, y)
    yield "all_column_kinds", automl, X, y, X_test

    if importlib.util.find_spec("skorch") is not None:
        from skorch import NeuralNetClassifier

        net_module = _fake_module(tmp, "sklearn_automl._export_test_net", NET_MODULE)
        X, y, X_test = _data("numpy", "classification")
        X, X_test = np.nan_to_num(X), np.nan_to_num(X_test)
        net = NeuralNetClassifier(
            net_module.TinyNet, module__n_in=4, module__seed=0, max_epochs=5, lr=0.1,
            batch_size=16, train_split=None, verbose=0,
        )
        automl = AutoMLClassifier(estimators=[("net", net, {})], **SEARCH).fit(X, y)
        yield "skorch_torch_module", automl, X, y, X_test


def _hostile_frame(rng, n):
    frame = _frame(rng, n)
    frame.columns = HOSTILE_COLUMNS[: frame.shape[1]]
    extra = HOSTILE_COLUMNS[frame.shape[1]:]
    for j, name in enumerate(extra):
        frame[name] = rng.choice([HOSTILE_LABELS[j % 3], "plain", None], n)
    return frame


def _hostile_fit():
    rng = np.random.RandomState(1)
    X, X_test = _hostile_frame(rng, 90), _hostile_frame(rng, 30)
    y = HOSTILE_LABELS[rng.randint(0, 3, 90)]
    weights = {HOSTILE_LABELS[0]: 2.0, HOSTILE_LABELS[1]: 1.0, HOSTILE_LABELS[2]: 0.5}
    lr = ("lr", LogisticRegression(class_weight=weights, max_iter=500), {})
    automl = AutoMLClassifier(estimators=[lr], **SEARCH).fit(X, y)
    return automl, X, y, X_test


@pytest.fixture(scope="module")
def roundtrip(tmp_path_factory):
    """Export every case, fit the exports in one subprocess, collect results."""
    root = tmp_path_factory.mktemp("export")
    cases = {}
    try:
        for case_id, automl, X, y, X_test in _cases(root):
            directory = root / case_id
            directory.mkdir()
            source = automl.export_code(directory)
            with open(directory / "data.pkl", "wb") as f:
                pickle.dump((X, y, X_test), f)
            cases[case_id] = Case(automl, X, y, X_test, source, directory)
    finally:
        sys.modules.pop("sklearn_automl._export_test_net", None)
    run = subprocess.run(
        [sys.executable, "-c", _RUNNER, *[str(c.directory) for c in cases.values()]],
        cwd=root, capture_output=True, text=True, check=False, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "pwned" not in run.stdout + run.stderr
    assert not list(root.rglob("PWNED"))
    return cases, root


def _predictions(directory):
    with open(directory / "predictions.pkl", "rb") as f:
        return pickle.load(f)


ALL_CASES = [
    f"{f}-{t}-{k}"
    for f in FAMILIES
    for t in ("classification", "regression")
    for k in ("numpy", "pandas")
] + [
    "custom_svc",
    "ensemble_stacking",
    "ensemble_voting",
    "int_columns",
    "hostile",
    "all_column_kinds",
    "skorch_torch_module",
]


# ------------------------------------------------------------ round trips
@pytest.mark.parametrize("case_id", ALL_CASES)
def test_exported_model_reproduces_predictions(roundtrip, case_id):
    cases, _ = roundtrip
    if case_id not in cases:
        pytest.skip("skorch is not installed")
    automl, X_test, directory = (cases[case_id].automl, cases[case_id].X_test,
                                 cases[case_id].directory)
    got = _predictions(directory)
    expected = automl.best_estimator_.predict(X_test)
    np.testing.assert_array_equal(got["predict"], expected)
    assert got["predict"].dtype == expected.dtype
    if hasattr(automl.best_estimator_, "predict_proba"):
        np.testing.assert_allclose(
            got["predict_proba"], automl.best_estimator_.predict_proba(X_test),
            rtol=0, atol=1e-9,
        )
    # the file on disk is the returned source, next to its requirements
    source = cases[case_id].source
    assert (directory / "model.py").read_text(encoding="utf-8") == source
    assert "sklearn_automl" not in _imported_modules(source)


def test_round_trips_cover_every_family_and_column_kind(roundtrip):
    from sklearn_automl.features import infer_column_kinds

    cases, _ = roundtrip
    families = {c.automl.best_family_ for c in cases.values()}
    assert set(FAMILIES) <= families
    kinds = {k for c in cases.values() for k in c.automl.column_kinds_.values()}
    assert {"numeric", "categorical"} <= kinds
    # every kind the detector knows, except "drop" (only ever given by users)
    rich = cases["all_column_kinds"].X
    assert set(infer_column_kinds(rich).values()) <= kinds
    detectable = set(importlib.import_module("sklearn_automl.features._columns").KINDS)
    assert detectable - {"drop"} <= kinds


def test_exported_files_pass_ruff_and_parse(roundtrip):
    cases, root = roundtrip
    for case in cases.values():
        tree = ast.parse(case.source)
        names = {
            t.id for node in tree.body if isinstance(node, ast.Assign)
            for t in node.targets
        }
        assert {"COLUMN_KINDS", "INPUT"} <= names
        funcs = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert {"build_model", "read_csv", "train", "predict", "main"} <= funcs
    files = [str(c.directory / "model.py") for c in cases.values()]
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed (pip install -e .[test])")
    run = subprocess.run(
        [str(ruff), "check", "--isolated", "--no-cache", *files],
        cwd=root, capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:]


def test_header_and_requirements(roundtrip):
    cases, _ = roundtrip
    automl, *_, source, directory = cases["lightgbm-classification-pandas"]
    header = source.split('"""', 1)[0]
    import lightgbm
    import sklearn

    assert f"Found on 80 rows x {automl.n_features_in_} columns" in header
    assert "categorical (2): 'city', 'grade'" in header
    assert f"Score: {automl.best_score_:.6g} (roc_auc" in header
    assert f"Search: random, {automl.n_trials_} trials" in header
    assert f"scikit-learn {sklearn.__version__}" in header
    requirements = (directory / "requirements.txt").read_text().split()
    assert f"lightgbm>={lightgbm.__version__}" in requirements
    assert f"scikit-learn>={sklearn.__version__}" in requirements
    assert all(f"  {r}" in header for r in requirements)
    # a linear model's export does not need lightgbm
    linear_reqs = (cases["linear-regression-numpy"].directory / "requirements.txt").read_text()
    assert "lightgbm" not in linear_reqs
    # every hyperparameter as found, random_state included
    best = automl.best_estimator_
    pipe = best if hasattr(best, "named_steps") else best.estimators[0][1]  # ensemble
    model = pipe.named_steps["model"]
    assert f"random_state={model.random_state}," in source


def test_hostile_names_make_harmless_code(roundtrip):
    cases, _ = roundtrip
    source = cases["hostile"].source
    tree = ast.parse(source)
    # no statement outside the template's: nothing injected at the top level
    for node in tree.body:
        assert isinstance(
            node,
            ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef | ast.If
            | ast.Assign | ast.Expr,
        ), ast.dump(node)[:200]
        if isinstance(node, ast.Expr):
            assert node is tree.body[0]  # the docstring
    calls = {
        ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)
    }
    assert not {"os.system", "open", "eval", "exec"} & calls
    # the names come back exactly, as string constants
    kinds = next(
        n.value for n in tree.body if isinstance(n, ast.Assign)
        and n.targets[0].id == "COLUMN_KINDS"
    )
    assert [ast.literal_eval(k) for k in kinds.keys] == HOSTILE_COLUMNS
    # every header line is a comment, whatever the names contain
    header = source.split('"""', 1)[0].rstrip("\n").split("\n")
    assert all(line.startswith("#") for line in header)
    # the class weights keyed by hostile labels are string constants too
    strings = {
        n.value for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }
    assert set(HOSTILE_LABELS) <= strings


def test_command_line_trains_and_predicts_from_csv(roundtrip, tmp_path):
    cases, _ = roundtrip
    chosen = (
        "lightgbm-classification-pandas", "hostile", "knn-regression-numpy",
        "int_columns", "all_column_kinds",
    )
    commands = []
    for case_id in chosen:
        X, y, X_test = cases[case_id].X, cases[case_id].y, cases[case_id].X_test
        model = str(cases[case_id].directory / "model.py")
        work = tmp_path / case_id
        work.mkdir()
        train = X.copy() if isinstance(X, pd.DataFrame) else pd.DataFrame(
            X, columns=[f"f{i}" for i in range(X.shape[1])]
        )
        train["target"] = y
        train.to_csv(work / "train.csv", index=False)
        test = X_test if isinstance(X_test, pd.DataFrame) else pd.DataFrame(X_test)
        test.to_csv(work / "test.csv", index=False)
        commands += [
            (str(work), model, ["train.csv", "--target", "target", "--output", "m.joblib"]),
            (str(work), model, ["predict", "m.joblib", "test.csv", "--output", "p.csv"]),
        ]
    run = subprocess.run(
        [sys.executable, "-c", _CLI, json.dumps(commands)], cwd=tmp_path,
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "pwned" not in run.stdout + run.stderr
    assert not list(tmp_path.rglob("PWNED"))
    for case_id in chosen:
        automl, X_test = cases[case_id].automl, cases[case_id].X_test
        pred = pd.read_csv(tmp_path / case_id / "p.csv")
        expected = automl.best_estimator_.predict(X_test)
        if case_id == "hostile":
            assert list(pred["prediction"].astype(str)) == [str(v) for v in expected]
        else:
            # CSV keeps each value's shortest repr in its own dtype (float32 too)
            got = pred["prediction"].to_numpy(dtype=expected.dtype)
            np.testing.assert_array_equal(got, expected)
        if hasattr(automl.best_estimator_, "predict_proba"):
            proba = automl.best_estimator_.predict_proba(X_test)
            got = pred.iloc[:, 1:].to_numpy(dtype=proba.dtype)
            np.testing.assert_allclose(got, proba, rtol=0, atol=1e-9)
            assert pred.shape[1] == 1 + len(automl.classes_)


# ------------------------------------------------------ writing, errors
@pytest.fixture(scope="module")
def small_fit():
    X, y, _ = _data("numpy", "classification")
    return AutoMLClassifier(estimators=["linear"], **SEARCH).fit(X, y), X, y


def test_never_overwrites_without_permission(small_fit, tmp_path):
    automl, _, _ = small_fit
    target = tmp_path / "model.py"
    source = automl.export_code(target)
    assert target.read_text(encoding="utf-8") == source == automl.export_code()
    target.write_text("# mine\n")
    with pytest.raises(FileExistsError, match="model.py.*overwrite=True"):
        automl.export_code(target)
    assert target.read_text() == "# mine\n"
    assert automl.export_code(target, overwrite=True) == source
    assert target.read_text(encoding="utf-8") == source

    # a directory gets model.py and requirements.txt; neither is clobbered
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "requirements.txt").write_text("mine\n")
    with pytest.raises(FileExistsError, match="requirements.txt"):
        automl.export_code(folder)
    assert not (folder / "model.py").exists()
    assert (folder / "requirements.txt").read_text() == "mine\n"
    automl.export_code(folder, overwrite=True)
    assert (folder / "model.py").read_text(encoding="utf-8") == source
    assert "scikit-learn>=" in (folder / "requirements.txt").read_text()


def test_export_needs_a_fitted_search():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        AutoMLClassifier().export_code()


def test_parameter_values_round_trip_exactly(small_fit, tmp_path):
    automl = small_fit[0]
    kw_args = {
        "nan": math.nan, "inf": math.inf, "minus_inf": -math.inf,
        "tiny": 5e-324, "third": 1 / 3, "big": 10**30, "neg": -7,
        "f32": np.float32(0.1), "i64": np.int64(3), "flag": np.bool_(True),
        "array": np.array([[1.5, np.nan], [-0.0, 2e-300]]),
        "ints": np.arange(40, dtype=np.int32), "labels": np.array(["a", None], dtype=object),
        "dtype": np.dtype("float32"), "tuple": (1,), "frozen": frozenset({2, 1}),
        "bytes": b"\x00\xff", "complex": 1 - 2j, "none": None, "text": "é\n\"'\\",
        "nested": {1: [True, False], (2, "x"): {"y": ()}},
        "func": np.log1p, "partial": functools.partial(np.round, decimals=2),
        "cls": LogisticRegression,
    }
    automl = pickle.loads(pickle.dumps(automl))
    automl.best_estimator_ = Pipeline(
        [("f", FunctionTransformer(np.sqrt, kw_args=kw_args)), ("model", LogisticRegression())]
    )
    path = tmp_path / "params.py"
    automl.export_code(path)
    import runpy

    rebuilt = runpy.run_path(str(path), run_name="exported")["build_model"]()
    got = rebuilt.named_steps["f"].kw_args
    assert got.keys() == kw_args.keys()
    for key, value in kw_args.items():
        assert type(got[key]) is type(value), key
        if isinstance(value, np.ndarray):
            assert got[key].dtype == value.dtype
            np.testing.assert_array_equal(got[key], value)
        elif isinstance(value, float) and math.isnan(value):
            assert math.isnan(got[key])
        elif isinstance(value, functools.partial):
            assert (got[key].func, got[key].keywords) == (value.func, value.keywords)
        else:
            assert got[key] == value, key
    assert rebuilt.named_steps["f"].func is np.sqrt
    assert math.copysign(1, got["array"][1, 0]) == -1  # -0.0 kept


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (lambda x: x, "lambda"),
        (np.random.RandomState(0), "RandomState instance"),
        (object(), "no source form"),
    ],
)
def test_unexportable_values_raise_naming_the_parameter(small_fit, value, message):
    automl = pickle.loads(pickle.dumps(small_fit[0]))
    automl.best_estimator_ = Pipeline(
        [("f", FunctionTransformer(kw_args={"weird": value})), ("model", LogisticRegression())]
    )
    with pytest.raises(TypeError, match=message) as info:
        automl.export_code()
    assert "kw_args" in str(info.value)


@pytest.mark.parametrize("case", sorted(BAD_MODULES))
def test_library_code_that_needs_the_library_is_refused(small_fit, tmp_path, case):
    automl = pickle.loads(pickle.dumps(small_fit[0]))
    name = "sklearn_automl._export_test_bad"
    source, message = BAD_MODULES[case]
    try:
        bad = _fake_module(tmp_path, name, source)
        automl.best_estimator_ = Pipeline(
            [("leak", bad.Leaky()), ("model", LogisticRegression())]
        )
        with pytest.raises(ValueError, match=f"cannot inline {name}: {message}"):
            automl.export_code()
    finally:
        sys.modules.pop(name, None)


def test_sibling_imports_are_inlined_and_unused_code_left_out(small_fit, tmp_path):
    automl = pickle.loads(pickle.dumps(small_fit[0]))
    name = "sklearn_automl._export_test_sibling"
    try:
        module = _fake_module(tmp_path, name, SIBLING_MODULE)
        automl.best_estimator_ = Pipeline(
            [("double", module.Doubler()), ("model", LogisticRegression())]
        )
        source = automl.export_code()
    finally:
        sys.modules.pop(name, None)
    tree = ast.parse(source)
    defined = {n.name for n in tree.body if isinstance(n, ast.ClassDef | ast.FunctionDef)}
    assert {"Doubler", "_twice", "CategoryNormalizer", "embedding_dim"} <= defined
    assert "Norm = CategoryNormalizer" in source
    assert "UNUSED" not in source
    assert "sklearn_automl" not in _imported_modules(source)
    path = tmp_path / "sibling_model.py"
    path.write_text(source, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", _BLOCK + textwrap.dedent(f"""
            import runpy
            import numpy as np
            model = runpy.run_path({str(path)!r})["build_model"]()
            X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
            model.fit(X, [0, 1, 1])
            assert model.named_steps["double"].norm_.__name__ == "CategoryNormalizer"
            assert model.named_steps["double"].width(9) == 5
        """)],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]


def _imported_modules(source):
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            out.add((node.module or "").split(".")[0])
    return out
