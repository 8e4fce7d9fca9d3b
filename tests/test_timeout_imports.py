"""A trial timeout must not land inside an import (and break later trials).

SIGALRM raises ``_TrialTimeout`` wherever the trial is. When that is in the
middle of an import, the package being imported is dropped from
``sys.modules`` but the submodules it had finished stay, so the next import
of the package gives a module without those attributes: how a CI run on a
loaded machine failed every neural trial after the first timed-out one with
``module 'sympy' has no attribute 'core'`` (torch imports sympy lazily in
the first optimizer step). Each check runs in a fresh interpreter, where
nothing is imported yet; the signal is delivered by ``signal.raise_signal``
at a chosen import instead of by a clock, so nothing depends on timing.
"""

import subprocess
import sys
import textwrap

import pytest

# Fires the trial's SIGALRM the first time TARGET is imported while a trial
# timer is armed (a Python handler installed), as a clock would on a slow
# machine; records whether it fired.
_HOOK = """
import signal, sys

FIRED = []

class FireAlarmDuringImport:
    def find_spec(self, name, path=None, target=None):
        if name == TARGET and not FIRED and callable(signal.getsignal(signal.SIGALRM)):
            FIRED.append(name)
            signal.raise_signal(signal.SIGALRM)
        return None

sys.meta_path.insert(0, FireAlarmDuringImport())
"""


def _run(code):
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
        timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc.stdout


def test_interrupt_inside_an_import_waits_for_the_import(tmp_path):
    """No torch needed: a package whose import is interrupted half-way."""
    pkg = tmp_path / "slowpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "from .core import VALUE\nfrom . import printing\n", encoding="utf-8")
    (pkg / "core.py").write_text("VALUE = 3.0\n", encoding="utf-8")
    (pkg / "printing.py").write_text("DONE = True\n", encoding="utf-8")
    _run(f"""
        import sys, time
        sys.path.insert(0, {str(tmp_path)!r})
        TARGET = "slowpkg.printing"
        {textwrap.indent(_HOOK, " " * 8).strip()}
        import numpy as np
        from sklearn.base import BaseEstimator, RegressorMixin
        from sklearn.model_selection import KFold
        from sklearn_automl._evaluate import evaluate

        class UsesSlowpkg(RegressorMixin, BaseEstimator):
            def __init__(self, work=0.0):
                self.work = work

            def fit(self, X, y):
                import slowpkg  # first import inside the trial, like torch's sympy
                self.value_ = slowpkg.core.VALUE  # the attribute the CI run lacked
                start = time.monotonic()  # more of the fit, for the retried alarm
                while time.monotonic() - start < self.work:
                    pass
                return self

            def predict(self, X):
                return np.full(len(X), self.value_)

        X = np.arange(40.0).reshape(20, 2)
        y = np.full(20, 3.0)
        splits = list(KFold(2).split(X))
        scorer = lambda est, X, y: -float(np.mean((est.predict(X) - y) ** 2))
        first = evaluate(UsesSlowpkg(work=30.0), X, y, splits, scorer,
                         deadline=time.monotonic() + 60)
        second = evaluate(UsesSlowpkg(), X, y, splits, scorer,
                          deadline=time.monotonic() + 60)
        assert second.status == "ok", (second.status, second.error)
        assert second.mean_score == 0.0
        assert FIRED == ["slowpkg.printing"], FIRED
        # the interrupt waited for the import, then stopped the trial
        assert first.status == "timeout", (first.status, first.error)
        assert first.duration < 10, first.duration
    """)


@pytest.mark.parametrize("preload", [True, False], ids=["preload", "deferral_only"])
def test_timeout_in_the_first_neural_trial_leaves_later_ones_working(preload):
    """The CI failure: the alarm lands in torch's lazy import of sympy.

    With the preload, sympy is imported before the timer is armed (the alarm
    never fires); without it, the interrupt waits until the import is done
    and stops the first trial; either way the second trial trains.
    """
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    out = _run(f"""
        import sys, time
        TARGET = "sympy.printing"
        {textwrap.indent(_HOOK, " " * 8).strip()}
        import numpy as np
        from sklearn.metrics import get_scorer
        from sklearn.model_selection import KFold
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        import sklearn_automl._evaluate as ev
        from sklearn_automl.nas import MLPNetClassifier

        assert "sympy" not in sys.modules
        if not {preload}:
            ev._preload_imports = lambda estimator: None
        X = np.random.RandomState(0).randn(80, 4).astype(np.float32)
        y = (X[:, 0] > 0).astype(int)
        splits = list(KFold(2).split(X))
        scorer = get_scorer("accuracy")
        # long enough a fit that the retried alarm lands in it after the import
        long = make_pipeline(StandardScaler(), MLPNetClassifier(
            max_epochs=100, batch_size=16, early_stopping=None))
        est = make_pipeline(StandardScaler(),
                            MLPNetClassifier(max_epochs=2, batch_size=32))
        first = ev.evaluate(long if not {preload} else est, X, y, splits, scorer,
                            deadline=time.monotonic() + 120)
        second = ev.evaluate(est, X, y, splits, scorer, deadline=time.monotonic() + 120)
        assert second.status == "ok", (second.status, second.error)
        assert np.isfinite(second.mean_score)
        if {preload}:
            assert FIRED == [], "sympy was imported while the trial timer was armed"
            assert first.status == "ok", (first.status, first.error)
        else:
            assert FIRED == ["sympy.printing"], FIRED
            assert first.status == "timeout", (first.status, first.error)
        print("OK", first.status, second.status)
    """)
    assert "OK" in out


def test_fit_inside_a_module_import_is_still_interrupted(tmp_path):
    """Imports already running around the trial do not postpone its timeout."""
    (tmp_path / "train_at_import.py").write_text(textwrap.dedent("""
        import signal, time
        import numpy as np
        from sklearn.base import BaseEstimator, RegressorMixin
        from sklearn_automl._evaluate import evaluate

        class AlarmInFit(RegressorMixin, BaseEstimator):
            def fit(self, X, y):
                signal.raise_signal(signal.SIGALRM)
                for _ in range(1000):  # bytecodes for the handler to run in
                    pass
                return self

            def predict(self, X):
                return np.zeros(len(X))

        X, y = np.zeros((4, 1)), np.zeros(4)
        RESULT = evaluate(AlarmInFit(), X, y, [(np.arange(2), np.arange(2, 4))],
                          lambda est, X, y: 0.0, deadline=time.monotonic() + 60)
    """), encoding="utf-8")
    _run(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import train_at_import
        assert train_at_import.RESULT.status == "timeout", train_at_import.RESULT.error
    """)
