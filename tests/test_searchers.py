"""GridSearch, BayesianSearch and EvolutionarySearch at their ask/tell interface."""

import ast
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_automl import AutoMLClassifier
from sklearn_automl.search import (
    BayesianSearch,
    EvolutionarySearch,
    GridSearch,
    RandomSearch,
    SearchExhausted,
    _bayesian,
)
from sklearn_automl.space import Categorical, Float, Int, SearchSpace, config_key


def _family_space():
    return SearchSpace(
        {
            "family": Categorical(["a", "b", "c"]),
            "a__C": Float(0.1, 10, log=True),
            "a__sel": Categorical([None, "x", "y"]),
            "a__k": Int(1, 3),
            "b__n": Int(1, 100, log=True),
        },
        conditions={
            "a__C": ("family", ["a"]),
            "a__sel": ("family", ["a"]),
            "a__k": ("a__sel", ["x", "y"]),
            "b__n": ("family", ["b"]),
        },
    )


def _drain(searcher):
    configs = []
    while True:
        try:
            configs.append(searcher.ask())
        except SearchExhausted:
            return configs


# ------------------------------------------------------------------ grid
@pytest.mark.parametrize("shuffle", [False, True])
def test_grid_is_exhaustive_conditional_and_sized(shuffle):
    space = _family_space()
    s = GridSearch(space, n_points=3, shuffle=shuffle, random_state=0)
    # a: 3 C values x (None + 2 sel x 3 k) = 21; b: 3 n values; c: 1
    assert s.space_size() == 25
    configs = _drain(s)
    assert s.n_configs_ == 25
    assert len(configs) == 25
    assert len({config_key(c) for c in configs}) == 25
    for c in configs:
        assert space.validate(c) == c  # only active keys, all in range
    b_values = sorted(c["b__n"] for c in configs if c["family"] == "b")
    assert len(b_values) == 3 and b_values[0] == 1 and b_values[-1] == 100
    if shuffle:
        ordered = _drain(GridSearch(space, n_points=3))
        assert [config_key(c) for c in configs] != [config_key(c) for c in ordered]


def test_grid_small_int_ranges_are_complete_and_initial_configs_not_repeated():
    space = SearchSpace({"k": Int(0, 3), "c": Categorical([True, False])})
    s = GridSearch(space, initial_configs=[{"k": 2, "c": False}])
    configs = _drain(s)
    assert len(configs) == 8
    assert configs[0] == {"k": 2, "c": False}
    assert sorted((c["k"], c["c"]) for c in configs) == sorted(
        (k, c) for k in range(4) for c in (True, False)
    )


def test_grid_rejects_bad_n_points():
    with pytest.raises(ValueError, match="n_points"):
        GridSearch(SearchSpace({"x": Float(0, 1)}), n_points=0).ask()


# ------------------------------------------------- shared synthetic problem
def _branin_space():
    """Branin inside a mixed, conditional space (a family of 3, one knob each)."""
    branin = ["branin__x1", "branin__x2", "branin__mode"]
    return SearchSpace(
        {
            "family": Categorical(["branin", "sphere", "flat"]),
            "branin__x1": Float(-5, 10),
            "branin__x2": Float(0, 15),
            "branin__mode": Categorical(["good", "bad"]),
            "sphere__x": Float(-5, 5),
            "enc": Categorical(["onehot", "ordinal", "target"]),
        },
        conditions={k: ("family", [k.split("__")[0]]) for k in branin + ["sphere__x"]},
    )


def _branin_score(c):
    """Minus Branin (max -0.398) on the good branch; the rest is worse."""
    if c["family"] == "branin":
        x1, x2 = c["branin__x1"], c["branin__x2"]
        b = (x2 - 5.1 / (4 * math.pi**2) * x1**2 + 5 / math.pi * x1 - 6) ** 2
        b += 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10
        return -b - (0.0 if c["branin__mode"] == "good" else 10.0)
    if c["family"] == "sphere":
        return -5.0 - c["sphere__x"] ** 2
    return -50.0


def _evals_to_optimum(searcher, budget, threshold=-1.0):
    """Evaluations until a score >= threshold (budget + 1 when never)."""
    for i in range(budget):
        c = searcher.ask()
        y = _branin_score(c)
        searcher.tell(c, y)
        if y >= threshold:
            return i + 1
    return budget + 1


# -------------------------------------------------------------- evolution
def test_evolution_finds_branin_optimum_faster_than_random():
    seeds, budget = range(8), 100
    evo = [
        _evals_to_optimum(
            EvolutionarySearch(_branin_space(), population_size=10, tournament_size=5,
                               random_state=s), budget)
        for s in seeds
    ]
    rand = [_evals_to_optimum(RandomSearch(_branin_space(), random_state=s), budget)
            for s in seeds]
    assert np.mean(evo) < 0.75 * np.mean(rand), (evo, rand)
    assert sum(e <= budget for e in evo) >= 5, evo


def test_evolution_ages_keeps_elites_and_mutates_structure():
    space = _family_space()
    s = EvolutionarySearch(space, population_size=6, tournament_size=2, n_elites=1,
                           crossover_rate=0.5, random_state=0)
    seen, families = set(), set()
    for i in range(40):
        c = s.ask()
        assert space.validate(c) == c
        assert config_key(c) not in seen
        seen.add(config_key(c))
        families.add(c["family"])
        # The first result is the best ever: it must survive aging as an elite.
        s.tell(c, 100.0 if i == 0 else (None if i % 7 == 0 else -float(i)))
    assert len(s.population_) == 6
    assert s.elites_[0][1] == 100.0
    assert families == {"a", "b", "c"}


def test_mutate_and_crossover_respect_conditions():
    from sklearn_automl.search._evolution import crossover, mutate

    space = _family_space()
    rng = np.random.RandomState(0)
    a = {"family": "a", "a__C": 1.0, "a__sel": "x", "a__k": 2}
    b = {"family": "b", "b__n": 5}
    changed_family = 0
    for _ in range(200):
        m = mutate(space, a, rng)
        assert space.validate(m) == m and m != a
        changed_family += m["family"] != "a"
        x = crossover(space, a, b, rng)
        assert space.validate(x) == x
        if x["family"] == "a":
            assert x["a__C"] == 1.0 and x["a__sel"] == "x"
        else:
            assert x == b
    assert changed_family > 10  # structure mutations happen


# ---------------------------------------------------------------- bayesian
def test_bayesian_finds_branin_optimum_faster_than_random():
    seeds, budget = range(6), 60
    bo = [
        _evals_to_optimum(
            BayesianSearch(_branin_space(), n_candidates=128, random_state=s), budget)
        for s in seeds
    ]
    rand = [_evals_to_optimum(RandomSearch(_branin_space(), random_state=s), budget)
            for s in seeds]
    assert np.median(bo) <= 40, bo
    assert np.mean(bo) < 0.75 * np.mean(rand), (bo, rand)


@pytest.mark.parametrize("acquisition", ["ei", "ucb", "pi"])
def test_bayesian_is_seeded_and_every_acquisition_improves(acquisition):
    space = SearchSpace({"x": Float(-5, 5), "y": Float(1e-3, 1e3, log=True)})

    def f(c):
        return -((c["x"] - 2) ** 2) - (math.log10(c["y"]) - 1) ** 2

    runs = []
    for _ in range(2):
        s = BayesianSearch(space, acquisition=acquisition, n_initial=5,
                           n_candidates=64, random_state=3)
        configs = []
        for _ in range(20):
            c = s.ask()
            s.tell(c, f(c))
            configs.append(c)
        runs.append(configs)
    assert runs[0] == runs[1]
    best_initial = max(f(c) for c in runs[0][:5])
    assert max(f(c) for c in runs[0][5:]) > max(best_initial, -0.5)
    assert s.n_fallbacks_ == 0


def test_bayesian_failed_trials_push_the_search_away():
    space = SearchSpace({"x": Float(0, 1)})
    s = BayesianSearch(space, n_initial=6, n_candidates=64, random_state=0)
    xs = []
    for _ in range(20):
        c = s.ask()
        xs.append(c["x"])
        s.tell(c, None if c["x"] > 0.5 else c["x"])  # failures beyond 0.5
    later = np.array(xs[6:])
    # Random search would fail half the time; the surrogate rarely tries there.
    assert np.mean(later > 0.5) <= 0.25, later
    assert max(xs) > 0.5 and 0.45 < max(x for x in xs if x <= 0.5)


def test_bayesian_falls_back_to_random_when_the_surrogate_cannot_fit():
    space = SearchSpace({"x": Float(0, 1), "c": Categorical(["a", "b"])})
    s = BayesianSearch(space, n_initial=2, n_candidates=16, random_state=0)
    for _ in range(6):
        s.tell(s.ask(), None)  # every trial fails
    assert s.n_fallbacks_ >= 3
    assert len(s.seen_) == 6


def test_bayesian_batches_spread_and_subsampling_bounds_the_fit():
    space = SearchSpace({"x": Float(0, 1), "y": Float(0, 1)})
    s = BayesianSearch(space, n_initial=5, n_candidates=64, max_observations=20,
                       random_state=0)
    for _ in range(30):
        c = s.ask()
        s.tell(c, -((c["x"] - 0.3) ** 2) - (c["y"] - 0.7) ** 2)
    batch = s.ask_batch(4)
    assert len(batch) == 4 and len(s.pending_) == 4
    assert len({config_key(c) for c in batch}) == 4
    pts = np.array([[c["x"], c["y"]] for c in batch])
    dists = [np.linalg.norm(p - q) for i, p in enumerate(pts) for q in pts[i + 1:]]
    assert min(dists) > 1e-3
    # 20 kept observations + 3 pending lies at the last ask.
    assert s.gp_.X_train_.shape[0] == 23
    for c in batch:
        s.tell(c, 0.0)
    assert not s.pending_


# ------------------------------------------------------------ all searchers
@pytest.mark.parametrize(
    "make",
    [
        lambda sp: RandomSearch(sp, random_state=0),
        lambda sp: GridSearch(sp, shuffle=True, random_state=0),
        lambda sp: EvolutionarySearch(sp, population_size=3, random_state=0),
        lambda sp: BayesianSearch(sp, n_initial=2, n_candidates=16, random_state=0),
    ],
)
def test_every_searcher_exhausts_a_small_space_without_repeats(make):
    space = SearchSpace({"k": Int(0, 3), "c": Categorical(["a", "b"])})
    s = make(space)
    keys = []
    while True:
        try:
            c = s.ask()
        except SearchExhausted:
            break
        keys.append(config_key(c))
        s.tell(c, float(c["k"]))
    assert len(keys) == len(set(keys)) == 8
    assert clone(s).get_params() == s.get_params()


def _count_gp_fits(monkeypatch, fail=False):
    """Count (or forbid) the Gaussian-process fits of BayesianSearch."""
    calls = []
    original = _bayesian.GaussianProcessRegressor.fit

    def fit(self, X, y):
        calls.append(len(y))
        if fail:
            raise AssertionError("the Gaussian process must not be fitted")
        return original(self, X, y)

    monkeypatch.setattr(_bayesian.GaussianProcessRegressor, "fit", fit)
    return calls


def _quadratic(c):
    return -((c["x"] - 1) ** 2) - (c["y"] - 5) ** 2 / 10


def test_bayesian_cheap_proposals_fit_no_gaussian_process(monkeypatch):
    space = SearchSpace({"x": Float(-5, 10), "y": Float(0, 15), "k": Int(1, 5)})
    s = BayesianSearch(space, n_initial=3, n_candidates=32, random_state=0)
    for _ in range(5):
        c = s.ask()
        s.tell(c, _quadratic(c))
    assert s.n_cheap_ == 0 and s.gp_ is not None
    gp, n_fallbacks = s.gp_, s.n_fallbacks_
    _count_gp_fits(monkeypatch, fail=True)
    s.cheap_proposals = True
    configs = []
    for i in range(6):
        c = s.ask()
        configs.append(c)
        s.tell(c, _quadratic(c))
        assert s.n_cheap_ == i + 1
    assert s.gp_ is gp and s.n_fallbacks_ == n_fallbacks
    assert all(space.validate(c) == c for c in configs)
    assert len({config_key(c) for c, _ in s.history_}) == 11
    # Batches too (pending configurations), and with nothing told yet: then
    # no result can be mutated and the cheap proposal is a random draw.
    assert len(s.ask_batch(3)) == 3 and s.n_cheap_ == 9
    fresh = BayesianSearch(space, n_initial=0, random_state=0)
    fresh.cheap_proposals = True
    batch = fresh.ask_batch(4)
    assert len({config_key(c) for c in batch}) == 4 and fresh.n_cheap_ == 4
    assert all(space.validate(c) == c for c in batch)


def test_bayesian_cheap_proposals_do_not_touch_the_initial_design(monkeypatch):
    space = SearchSpace({"x": Float(-5, 10), "y": Float(0, 15)})
    plain = BayesianSearch(space, n_initial=4, random_state=1)
    cheap = BayesianSearch(space, n_initial=4, random_state=1)
    cheap.cheap_proposals = True
    for s in (plain, cheap):
        for _ in range(4):
            c = s.ask()
            s.tell(c, _quadratic(c))
    assert plain.history_ == cheap.history_ and cheap.n_cheap_ == 0


def test_bayesian_resumes_the_gaussian_process_when_cheap_proposals_clear(monkeypatch):
    space = SearchSpace({"x": Float(-5, 10), "y": Float(0, 15)})
    s = BayesianSearch(space, n_initial=3, n_candidates=32, random_state=0)
    calls = _count_gp_fits(monkeypatch)
    s.cheap_proposals = True
    for _ in range(8):
        c = s.ask()
        s.tell(c, _quadratic(c))
    assert calls == [] and s.gp_ is None and s.n_cheap_ == 5
    s.cheap_proposals = False
    for i in range(3):
        c = s.ask()
        s.tell(c, _quadratic(c))
        assert calls == list(range(8, 8 + i + 1))  # one fit per proposal
    assert s.gp_ is not None and s.n_cheap_ == 5 and s.n_fallbacks_ == 0


@pytest.mark.parametrize(
    "make",
    [
        lambda sp: RandomSearch(sp, random_state=0),
        lambda sp: GridSearch(sp, shuffle=True, random_state=0),
        lambda sp: EvolutionarySearch(sp, population_size=3, random_state=0),
        lambda sp: BayesianSearch(sp, n_initial=2, n_candidates=16, random_state=0),
    ],
)
def test_cheap_proposals_is_an_attribute_not_a_parameter(make):
    space = SearchSpace({"k": Int(0, 30), "c": Categorical(["a", "b"])})
    s = make(space)
    assert s.cheap_proposals is False
    s.cheap_proposals = True
    assert "cheap_proposals" not in s.get_params()
    copy = clone(s)
    assert copy.cheap_proposals is False and copy.get_params() == s.get_params()
    with pytest.raises(TypeError):
        type(s)(space, cheap_proposals=True)


@pytest.mark.parametrize(
    "make",
    [
        lambda sp: RandomSearch(sp, random_state=0),
        lambda sp: GridSearch(sp, shuffle=True, random_state=0),
        lambda sp: EvolutionarySearch(sp, population_size=3, random_state=0),
    ],
)
def test_searchers_without_a_surrogate_ignore_cheap_proposals(make):
    space = SearchSpace({"k": Int(0, 30), "c": Categorical(["a", "b"])})
    runs = []
    for cheap in (False, True):
        s = make(space)
        s.cheap_proposals = cheap
        for _ in range(8):
            c = s.ask()
            s.tell(c, float(c["k"]))
        runs.append(s.history_)
    assert runs[0] == runs[1]


def test_no_searcher_module_reads_a_clock():
    """Searchers know nothing of time: the AutoML engine owns the only clock."""
    clock_modules = {"time", "datetime", "timeit"}
    clock_calls = {"perf_counter", "perf_counter_ns", "monotonic", "monotonic_ns",
                   "process_time", "process_time_ns", "time_ns", "thread_time"}
    package = Path(_bayesian.__file__).parent
    files = sorted(package.glob("*.py"))
    assert len(files) >= 6
    offences = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [(node.module or "").split(".")[0]]
                names += [a.name for a in node.names]
            elif isinstance(node, ast.Attribute):
                names = [node.attr]
            elif isinstance(node, ast.Name):
                names = [node.id]
            else:
                continue
            offences += [f"{path.name}:{node.lineno}: {n}" for n in names
                         if n in clock_modules or n in clock_calls]
    assert offences == []


def test_automl_measures_the_searcher_time(binary_data):
    X, y = binary_data
    fitted = AutoMLClassifier(search="bayesian", max_trials=3, cv=3,
                              random_state=0).fit(X, y)
    assert 0 < fitted.searcher_time_ < fitted.search_time_


# ------------------------------------------------------ several objectives
def _zdt_space():
    return SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(4)})


def _zdt1(config):
    """ZDT1 on 4 variables, negated: both objectives are maximized."""
    x = np.array([config[f"x{i}"] for i in range(4)])
    g = 1 + 9 * x[1:].mean()
    return (-x[0], -g * (1 - np.sqrt(x[0] / g)))


def _hypervolume_after(searcher, n):
    from sklearn_automl.search._pareto import hypervolume

    told = []
    for _ in range(n):
        config = searcher.ask()
        told.append(_zdt1(config))
        searcher.tell(config, told[-1])
    return hypervolume(np.array(told), [-1.1, -11.0]), searcher


@pytest.mark.parametrize("make, n", [
    # evolution is cheap: it gets more evaluations (and needs generations)
    (lambda: EvolutionarySearch(_zdt_space(), population_size=10, random_state=0),
     100),
    (lambda: BayesianSearch(_zdt_space(), n_initial=8, n_candidates=64,
                            random_state=0), 40),
    (lambda: BayesianSearch(_zdt_space(), n_initial=8, n_candidates=64,
                            multi_objective="ehvi", random_state=0), 40),
], ids=["nsga2", "parego", "ehvi"])
def test_multi_objective_searchers_beat_random_on_zdt1(make, n):
    random_hv = np.mean([_hypervolume_after(RandomSearch(_zdt_space(), random_state=s),
                                            n)[0] for s in range(3)])
    hv, searcher = _hypervolume_after(make(), n)
    assert hv > random_hv
    # the same seed and values give the same proposals
    again = make()
    for config, _ in searcher.history_[:15]:
        assert again.ask() == config
        again.tell(config, _zdt1(config))


def test_nsga2_population_is_ranked_by_front_and_crowding():
    s = EvolutionarySearch(_zdt_space(), population_size=4, random_state=0)
    values = [(0.0, 3.0), (1.0, 2.0), (2.0, 1.0), (0.5, 0.5), (3.0, 0.0), (0.1, 0.1)]
    for v in values:
        s.tell(s.ask(), v)
    s.tell(s.ask(), None)  # a failure never enters
    fitness = [f for _, f in s.population_]
    # four of the five points of front 0 survive: the two extremes (infinite
    # crowding) first, the crowded (1, 2) or (2, 1) last out
    assert [rank for rank, _ in fitness] == [0, 0, 0, 0]
    assert np.isinf(fitness[0][1]) and np.isinf(fitness[1][1])
    assert s.elites_ == []


def test_tuples_only_for_searchers_that_support_them():
    class ScoreOnly(RandomSearch):
        supports_multi_objective = False

    s = ScoreOnly(_zdt_space(), random_state=0)
    with pytest.raises(TypeError, match="optimizes one score"):
        s.tell(s.ask(), (1.0, 2.0))
    with pytest.raises(ValueError, match="multi_objective must be one of"):
        BayesianSearch(_zdt_space(), multi_objective="nsga").ask()
    # three objectives: "ehvi" proposes as ParEGO does, without error
    b = BayesianSearch(_zdt_space(), n_initial=3, n_candidates=16,
                       multi_objective="ehvi", random_state=0)
    for _ in range(6):
        config = b.ask()
        b.tell(config, (*_zdt1(config), -config["x3"]))
    assert b.gp_ is not None


def test_scheduler_tells_objectives_to_searchers_that_take_them():
    from sklearn_automl.search import FullFidelity

    class Recording(RandomSearch):
        def _observe(self, config, score):
            self.told_ = [*getattr(self, "told_", []), score]

    class ScoreOnly(Recording):
        supports_multi_objective = False

    for cls, expected in [(Recording, (0.5, -2.0)), (ScoreOnly, 0.5)]:
        sched = FullFidelity(cls(_zdt_space(), random_state=0))
        job = sched.next_job()
        sched.report(job, 0.5, objectives=(0.5, -2.0))
        failed = sched.next_job()
        sched.report(failed, None, objectives=(0.1, -1.0))
        assert sched.searcher.told_ == [expected, None]
