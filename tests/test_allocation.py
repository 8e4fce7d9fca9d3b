"""family_allocation: the FamilyAllocator rule and the searchers' ``ask(fixed=...)``."""

import collections

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from sklearn_automl import AutoMLClassifier
from sklearn_automl._allocation import FamilyAllocator
from sklearn_automl._execution import SequentialExecutor
from sklearn_automl.search import (
    ASHA,
    BayesianSearch,
    EvolutionarySearch,
    FullFidelity,
    GridSearch,
    Hyperband,
    RandomSearch,
    SearchExhausted,
    SuccessiveHalving,
)
from sklearn_automl.space import Categorical, Float, Int, SearchSpace, config_key


def family_space():
    return SearchSpace(
        {
            "family": Categorical(["a", "b", "c"]),
            "a__x": Float(0.0, 1.0),
            "b__x": Float(0.0, 1.0),
            "b__k": Int(1, 4),
            "c__x": Float(0.0, 1.0),
        },
        conditions={"a__x": ("family", ["a"]), "b__x": ("family", ["b"]),
                    "b__k": ("family", ["b"]), "c__x": ("family", ["c"])},
    )


def objective(config):
    """Family b is best; each family's score rises with its x."""
    base = {"a": 0.0, "b": 1.0, "c": -1.0}[config["family"]]
    x = config[f"{config['family']}__x"]
    return base + x


SEARCHERS = [
    lambda s: RandomSearch(s, random_state=0),
    lambda s: GridSearch(s, n_points=20, shuffle=True, random_state=0),
    lambda s: BayesianSearch(s, n_initial=4, n_candidates=32, random_state=0),
    lambda s: EvolutionarySearch(s, population_size=4, tournament_size=2, random_state=0),
]
IDS = ["random", "grid", "bayesian", "evolutionary"]


# ------------------------------------------------------------ the allocator
def test_first_trial_of_every_family_in_order():
    alloc = FamilyAllocator(["b", "a", "c"], unit="trials", random_state=0)
    chosen = []
    for _ in range(3):
        family = alloc.choose()
        alloc.issued(family)
        chosen.append(family)
    assert chosen == ["b", "a", "c"]


def test_eci_follows_the_rule():
    alloc = FamilyAllocator(["lead", "slow", "broken"], unit="seconds")
    alloc.observe("lead", "l1", 0.80, 2.0)
    alloc.observe("slow", "s1", 0.70, 5.0)
    alloc.observe("broken", "x1", None, 3.0)
    alloc.observe("broken", "x2", None, 3.0)
    eci = alloc.eci()
    assert eci["lead"] == pytest.approx(2.0)  # its one trial's cost
    assert eci["slow"] == pytest.approx(10.0)  # behind, one score: 2 * K
    assert eci["broken"] == pytest.approx(6.0 * 2**2)  # K * 2 ** failures
    # the leader improves after 1 s more, then spends 3 s without improving
    alloc.observe("lead", "l2", 0.85, 1.0)
    alloc.observe("lead", "l3", 0.84, 3.0)
    assert alloc.eci()["lead"] == pytest.approx(max(6.0 - 3.0, 3.0 - 2.0))
    # slow improves by 0.05 in 5 s more and stays 0.10 behind: 2 * gap / speed,
    # its speed measured since the previous best was found (K - K0 = 10 - 5)
    alloc.observe("slow", "s2", 0.75, 5.0)
    speed = 0.05 / (10.0 - 5.0)
    assert alloc.eci()["slow"] == pytest.approx(2 * 0.10 / speed)
    # a promotion (same key) adds cost, not a score
    alloc.observe("slow", "s2", 0.99, 5.0)
    assert alloc.state["slow"].best == 0.75
    assert alloc.state["slow"].cost == 15.0


def _simulate(alloc, n, costs, scores, rng):
    counts = collections.Counter()
    for i in range(n):
        family = alloc.choose()
        alloc.issued(family)
        counts[family] += 1
        score = scores[family] + 0.05 * rng.uniform()
        alloc.observe(family, f"{family}{i}", score, costs[family])
    return counts


def test_cheap_and_good_family_gets_most_trials():
    rng = np.random.RandomState(0)
    alloc = FamilyAllocator(["expensive_behind", "cheap_good", "cheap_behind"],
                            unit="seconds", random_state=0)
    counts = _simulate(
        alloc, 60,
        costs={"expensive_behind": 20.0, "cheap_good": 1.0, "cheap_behind": 1.0},
        scores={"expensive_behind": 0.6, "cheap_good": 0.9, "cheap_behind": 0.7},
        rng=rng,
    )
    assert all(counts[f] >= 1 for f in alloc.families)  # every first trial ran
    assert counts["cheap_good"] == max(counts.values())
    assert counts["cheap_good"] >= 30
    assert counts["expensive_behind"] <= 3


def test_uniform_draw_without_cost_signal_spreads():
    # equal costs and equal scores: no family is preferred for long
    alloc = FamilyAllocator(["a", "b"], unit="trials", random_state=0)
    counts = _simulate(alloc, 40, {"a": 1.0, "b": 1.0}, {"a": 0.5, "b": 0.5},
                       np.random.RandomState(1))
    assert min(counts.values()) >= 5


def test_exclude_and_exhausted():
    alloc = FamilyAllocator(["a", "b"], unit="trials", random_state=0)
    for f in ("a", "b"):
        alloc.issued(f)
        alloc.observe(f, f, 0.5, 1.0)
    assert {alloc.choose(exclude={"a"}) for _ in range(20)} == {"b"}
    assert alloc.choose(exclude={"a", "b"}) in {"a", "b"}  # nothing else left
    alloc.exhausted("b")
    assert {alloc.choose() for _ in range(10)} == {"a"}
    alloc.exhausted("a")
    assert alloc.choose() is None


def test_draws_are_seeded():
    def run():
        alloc = FamilyAllocator(["a", "b", "c"], unit="trials", random_state=3)
        return _simulate(alloc, 30, {"a": 1, "b": 1, "c": 1},
                         {"a": 0.5, "b": 0.6, "c": 0.4}, np.random.RandomState(0))
    assert run() == run()


# --------------------------------------------------- ask(fixed=...) per searcher
@pytest.mark.parametrize("make", SEARCHERS, ids=IDS)
def test_searcher_honours_the_family_restriction(make):
    searcher = make(family_space())
    for i in range(24):
        # unrestricted and restricted asks interleave; the strategy learns from all
        fixed = None if i % 3 == 0 else {"family": "b" if i % 3 == 1 else "c"}
        config = searcher.ask() if fixed is None else searcher.ask(fixed=fixed)
        if fixed is not None:
            assert config["family"] == fixed["family"]
        searcher.tell(config, objective(config))
    keys = [config_key(c) for c, _ in searcher.history_]
    assert len(set(keys)) == len(keys)  # never the same configuration twice


@pytest.mark.parametrize("make", SEARCHERS, ids=IDS)
def test_queued_configs_of_the_family_come_first(make):
    first = [{"family": "a", "a__x": 0.5}, {"family": "b", "b__x": 0.25, "b__k": 2},
             {"family": "a", "a__x": 0.75}]
    searcher = make(family_space()).set_params(initial_configs=first)
    assert searcher.ask(fixed={"family": "b"}) == first[1]
    assert searcher.ask() == first[0]  # the others wait, in order
    assert searcher.ask(fixed={"family": "a"}) == first[2]


def test_grid_family_restriction_exhausts_only_that_family():
    space = SearchSpace(
        {"family": Categorical(["a", "b"]), "a__k": Int(1, 3)},
        conditions={"a__k": ("family", ["a"])},
    )
    searcher = GridSearch(space)
    got = [searcher.ask(fixed={"family": "a"}) for _ in range(3)]
    assert [c["a__k"] for c in got] == [1, 2, 3]
    with pytest.raises(SearchExhausted):
        searcher.ask(fixed={"family": "a"})
    assert searcher.ask(fixed={"family": "b"}) == {"family": "b"}
    with pytest.raises(SearchExhausted):
        searcher.ask()


@pytest.mark.parametrize(
    "fixed, error",
    [({"nope": 1}, ValueError), ({"a__x": 0.5}, ValueError),
     ({"family": "z"}, ValueError), (["family"], TypeError)],
)
def test_invalid_restriction(fixed, error):
    with pytest.raises(error, match="fixed"):
        RandomSearch(family_space(), random_state=0).ask(fixed=fixed)


@pytest.mark.parametrize(
    "make", [FullFidelity, SuccessiveHalving, Hyperband, ASHA],
    ids=["full", "sh", "hyperband", "asha"],
)
def test_schedulers_restrict_new_configurations(make):
    scheduler = make(RandomSearch(family_space(), random_state=0))
    seen, fidelities = set(), set()
    for i in range(40):
        family = "b" if i % 2 else "c"
        job = scheduler.next_job(fixed={"family": family})
        if job is None:
            continue
        if job.key not in seen:  # a new configuration: within the family
            assert job.config["family"] == family
            seen.add(job.key)
        fidelities.add(round(job.fidelity, 3))
        scheduler.report(job, objective(job.config))
    assert {c["family"] for c, _ in scheduler.searcher.history_} == {"b", "c"}
    if make is not FullFidelity:
        assert max(fidelities) > min(fidelities)  # promotions still happen


def test_scheduler_exhausted_family_leaves_others():
    space = SearchSpace(
        {"family": Categorical(["a", "b"]), "b__x": Float(0, 1)},
        conditions={"b__x": ("family", ["b"])},
    )
    scheduler = SuccessiveHalving(RandomSearch(space, random_state=0), n_configs=3)
    job = scheduler.next_job(fixed={"family": "a"})
    scheduler.report(job, 0.1)
    with pytest.raises(SearchExhausted):  # family a has one configuration
        scheduler.next_job(fixed={"family": "a"})
    job = scheduler.next_job(fixed={"family": "b"})
    assert job.config["family"] == "b"


# ----------------------------------------------------------- in the AutoML
def _families():
    return [
        ("good", LogisticRegression(max_iter=200), {"C": Float(0.1, 100.0, log=True)}),
        ("dummy", DummyClassifier(), {"strategy": Categorical(["prior", "uniform"])}),
        ("dummy2", DummyClassifier(strategy="stratified"),
         {"random_state": Int(0, 1000)}),
    ]


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=120, n_features=5, n_informative=5,
                               n_redundant=0, random_state=0)


def _fit(data, **kw):
    params = {"time_budget": None, "max_trials": 10, "cv": 3,
              "estimators": _families(), "ensemble_size": 0, "initial_configs": None,
              "random_state": 0, "family_allocation": "cost"}
    params.update(kw)
    return AutoMLClassifier(**params).fit(*data)


def test_cost_allocation_in_fit_favours_the_leading_family(data):
    search = _fit(data)
    counts = collections.Counter(t.family for t in search.history_.trials)
    assert set(counts) == {"good", "dummy", "dummy2"}  # every family's first trial
    assert counts["good"] >= 6  # of 10 (uniformly: about 4)
    assert search.best_family_ == "good"


def test_cost_allocation_without_time_budget_is_reproducible(data):
    first, second = _fit(data), _fit(data)
    cols = ["trial_id", "family", "mean_score", "params"]
    assert first.leaderboard_[cols].astype(str).equals(
        second.leaderboard_[cols].astype(str))


class _SlowClock(SequentialExecutor):
    """Trials of the family "slow" report 100 times their measured duration
    (a deterministic stand-in for an expensive model: no sleeping)."""

    def collect(self):
        results = super().collect()
        for result in results:
            if result.family == "slow":
                result.duration *= 100
        return results


def test_cost_allocation_spends_little_on_an_expensive_family_that_is_behind(data):
    # costs in seconds (a time budget that max_trials ends long before)
    families = [
        ("slow", LogisticRegression(max_iter=200), {"C": Float(1e-5, 1e-4, log=True)}),
        ("fast", LogisticRegression(max_iter=200), {"C": Float(0.1, 100.0, log=True)}),
    ]
    search = _fit(data, time_budget=600, estimators=families, executor=_SlowClock())
    counts = collections.Counter(t.family for t in search.history_.trials)
    assert counts["slow"] >= 1  # its first trial ran
    assert counts["slow"] <= 2 and counts["fast"] >= 8


def test_family_allocation_is_validated(data):
    with pytest.raises(ValueError, match="family_allocation"):
        _fit(data, family_allocation="bandit")
