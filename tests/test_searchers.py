"""GridSearch, BayesianSearch and EvolutionarySearch at their ask/tell interface."""

import math

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_automl import AutoMLClassifier
from sklearn_automl._plan import make_plan
from sklearn_automl.search import (
    BayesianSearch,
    EvolutionarySearch,
    GridSearch,
    RandomSearch,
    SearchExhausted,
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


def test_bayesian_overhead_limit_makes_proposals_cheaper():
    space = SearchSpace({"x": Float(-5, 10), "y": Float(0, 15)})
    free = BayesianSearch(space, n_initial=3, random_state=0)
    capped = BayesianSearch(space, n_initial=3, max_overhead=1e-9, random_state=0)
    for s in (free, capped):
        for _ in range(8):
            c = s.ask()
            s.tell(c, -abs(c["x"]))
    assert free.n_cheap_ == 0 and free.overhead_ > 0
    # Every proposal after the first one is over a (tiny) overhead share.
    assert capped.n_cheap_ == 8 - 3
    with pytest.raises(ValueError, match="max_overhead"):
        BayesianSearch(space, max_overhead=0).ask()


def test_automl_caps_bayesian_overhead_only_under_a_time_budget(binary_data):
    X, y = binary_data
    timed = AutoMLClassifier(search="bayesian", time_budget=30, max_trials=3,
                             cv=3, random_state=0)
    untimed = clone(timed).set_params(time_budget=None)
    plan_rng = np.random.RandomState(0)
    plan = make_plan(X, "classification", None)
    assert timed._make_searcher(plan, plan_rng).max_overhead == 0.04
    assert untimed._make_searcher(plan, plan_rng).max_overhead is None
    fitted = untimed.fit(X, y)
    assert 0 < fitted.searcher_time_ < fitted.search_time_
