"""Shared machinery of the benchmarks, in the layout of scikit-learn's.

A concrete benchmark is a class deriving from ``Predictor, Estimator,
Benchmark`` (or ``Estimator, Benchmark`` for a model without ``predict``)
that declares ``param_names`` and ``params`` and implements two methods::

    class MyBenchmark(Predictor, Estimator, Benchmark):
        param_names = ["representation"]
        params = (["numeric", "mixed"],)

        def make_data(self, params):
            ...  # -> X_train, X_test, y_train, y_test

        def make_estimator(self, params):
            ...  # -> an unfitted estimator

asv then times ``fit`` (``time_fit``, ``peakmem_fit``), ``predict``
(``time_predict``, ``peakmem_predict``) and records the test score
(``track_test_score``). The data are generated once and cached on disk with
:class:`joblib.Memory`; the estimators are fitted once per run, in
``setup_cache``, saved in the current directory (a temporary one that asv
creates for each run and removes afterwards) and loaded by ``setup`` for each
parameter combination.

The profile is chosen with the environment variable ``SKLBENCH_PROFILE``:

``fast``
    One repetition per measurement, small data: a quick smoke run.
``regular`` (default)
    Several repetitions, small data.
``large_scale``
    A few repetitions on large data (``self.data_size == "large"``).

The data cache lives in ``asv_benchmarks/cache`` unless ``SKLBENCH_CACHE_DIR``
names another folder. Its key includes the source of ``make_data`` and the
profile; delete the folder after changing anything else ``make_data`` depends
on. ``make_data`` must not use sklearn_automl, whose code changes between
the commits being compared.
"""

import inspect
import itertools
import os
import time
from abc import ABC, abstractmethod
from pathlib import Path

import joblib
from sklearn.base import clone
from sklearn.metrics import get_scorer

__all__ = ["PROFILE", "Benchmark", "Estimator", "Predictor", "get_data"]

PROFILES = ("fast", "regular", "large_scale")

PROFILE = os.environ.get("SKLBENCH_PROFILE", "regular")
if PROFILE not in PROFILES:
    raise ValueError(
        f"SKLBENCH_PROFILE={PROFILE!r} is not a benchmark profile; use one of "
        f"{PROFILES}."
    )

CACHE_DIR = Path(
    os.environ.get(
        "SKLBENCH_CACHE_DIR", Path(__file__).resolve().parent.parent / "cache"
    )
)

_memory = joblib.Memory(CACHE_DIR / "data", verbose=0)


def _make_data(benchmark_class, params, profile, source):
    # ``profile`` and ``source`` (the code of make_data) only key the cache:
    # editing make_data or switching profile regenerates the data.
    return benchmark_class().make_data(params)


_cached_make_data = _memory.cache(_make_data)


def get_data(benchmark, params):
    """The data of ``benchmark`` for ``params``, from the on-disk cache.

    Parameters
    ----------
    benchmark : Estimator
        A benchmark instance; its class's ``make_data`` makes the data.
    params : tuple
        One combination of the benchmark's ``params``.

    Returns
    -------
    X_train, X_test, y_train, y_test
        Whatever ``make_data`` returned.
    """
    cls = type(benchmark)
    source = inspect.getsource(cls.make_data)
    return _cached_make_data(cls, tuple(params), PROFILE, source)


def _estimator_path(benchmark, params):
    # Relative: asv runs setup_cache and the benchmarks that share it in one
    # temporary working directory, removed after the run, so a fitted model
    # never outlives the commit it was fitted with.
    name = "_".join(str(p) for p in params) or "default"
    return Path("estimators") / f"{type(benchmark).__name__}_{name}.joblib"


def _fit_and_store(benchmark, params):
    X, _, y, _ = get_data(benchmark, params)
    estimator = benchmark.make_estimator(params)
    estimator.fit(X, y)
    path = _estimator_path(benchmark, params)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(estimator, path)


class Benchmark(ABC):
    """Base class of all benchmarks: timer, repetitions and the profile.

    Attributes
    ----------
    data_size : {"small", "large"}
        What ``make_data`` should generate under the current profile.
    """

    timer = time.perf_counter
    processes = 1
    timeout = 500

    profile = PROFILE
    if profile == "fast":
        warmup_time = 0
        repeat = 1
        number = 1
        min_run_count = 1
        data_size = "small"
    elif profile == "regular":
        warmup_time = 1
        # (min_repeat, max_repeat, max_time in seconds)
        repeat = (3, 100, 30)
        data_size = "small"
    else:  # large_scale
        warmup_time = 1
        repeat = 3
        number = 1
        data_size = "large"

    @property
    @abstractmethod
    def params(self):
        """The parameter grid: a tuple with one list per ``param_names``."""


class Estimator(ABC):
    """Benchmarks of ``fit``, and the test score of the fitted estimator.

    Subclasses implement :meth:`make_data` and :meth:`make_estimator`; the
    score recorded by ``track_test_score`` is ``scoring`` (a scikit-learn
    scorer name) when set, else the estimator's own ``score`` method.
    """

    #: scikit-learn scorer name for track_test_score; None: estimator.score
    scoring = None

    @abstractmethod
    def make_data(self, params):
        """Return ``(X_train, X_test, y_train, y_test)`` for ``params``.

        Use ``self.data_size`` (``"small"`` or ``"large"``) to size it. The
        result is cached on disk, so it must be deterministic.
        """

    @abstractmethod
    def make_estimator(self, params):
        """Return an unfitted estimator for ``params``."""

    def setup_cache(self):
        """Fit one estimator per parameter combination and store it."""
        for params in itertools.product(*self.params):
            _fit_and_store(self, params)

    def setup(self, *params):
        """Load the data and the fitted estimator of ``params``."""
        self.X, self.X_val, self.y, self.y_val = get_data(self, params)
        path = _estimator_path(self, params)
        if not path.exists():
            # asv keys setup_cache by the module and line of its source, so
            # all classes inheriting this one share a single setup_cache call
            # (made for the first of them); the others fit here, once per run.
            _fit_and_store(self, params)
        self.estimator = joblib.load(path)

    def time_fit(self, *args):
        clone(self.estimator).fit(self.X, self.y)

    def peakmem_fit(self, *args):
        clone(self.estimator).fit(self.X, self.y)

    def track_test_score(self, *args):
        if self.scoring is None:
            return float(self.estimator.score(self.X_val, self.y_val))
        scorer = get_scorer(self.scoring)
        return float(scorer(self.estimator, self.X_val, self.y_val))


class Predictor(ABC):
    """Benchmarks of ``predict`` on the training data of a fitted estimator."""

    def time_predict(self, *args):
        self.estimator.predict(self.X)

    def peakmem_predict(self, *args):
        self.estimator.predict(self.X)

    @property
    @abstractmethod
    def params(self):
        """The parameter grid (declared by the concrete benchmark)."""
