"""Multi-fidelity schedulers and pruners."""

import math

import numpy as np
import pytest

from sklearn_automl.search import (
    ASHA,
    FullFidelity,
    Hyperband,
    MedianPruner,
    RandomSearch,
    SearchExhausted,
    SuccessiveHalving,
    ThresholdPruner,
)
from sklearn_automl.space import Float, Int, SearchSpace


def _searcher(seed=0):
    return RandomSearch(SearchSpace({"x": Float(0, 1)}), random_state=seed)


def _score(job):
    # Rankings agree across fidelities only roughly: add fidelity-dependent noise.
    rng = np.random.RandomState(int(job.config["x"] * 1e6) + int(job.fidelity * 1e3))
    return job.config["x"] + 0.05 * rng.normal() * (1 - job.fidelity)


def _run(sched, n_jobs):
    for _ in range(n_jobs):
        job = sched.next_job()
        sched.report(job, _score(job))
    return sched


def test_full_fidelity_runs_everything_at_one_and_tells_the_searcher():
    sched = _run(FullFidelity(_searcher()), 10)
    assert {j.fidelity for j, _ in sched.results_} == {1.0}
    assert len(sched.searcher.history_) == 10
    assert sched.best()[1] == max(s for _, s in sched.results_)


@pytest.mark.parametrize("eta, n_configs", [(3, 9), (3, 10), (2, 8), (4, 17)])
def test_halving_promotes_exactly_the_top_one_over_eta(eta, n_configs):
    sched = SuccessiveHalving(_searcher(), min_fidelity=1 / eta**2, eta=eta,
                              n_configs=n_configs)
    n_expected = n_configs + n_configs // eta + max(1, n_configs // eta // eta)
    _run(sched, n_expected)
    results = [(j, s) for j, s in sched.results_ if j.bracket == 0]
    assert len(results) == n_expected
    assert sched.brackets_[0].done if sched.brackets_ else True
    for rung in range(2):
        here = [(j, s) for j, s in results if j.rung == rung]
        promoted = {j.key for j, _ in results if j.rung == rung + 1}
        n_top = max(1, len(here) // eta)
        top = {j.key for j, _ in sorted(here, key=lambda r: -r[1])[:n_top]}
        assert promoted == top
    assert sorted({round(j.fidelity, 6) for j, _ in results}) == [
        round(1 / eta**2, 6), round(1 / eta, 6), 1.0
    ]
    # The next bracket starts afresh at the lowest fidelity.
    assert sched.next_job().fidelity == pytest.approx(1 / eta**2)


def test_halving_rounds_min_fidelity_so_the_top_rung_is_max():
    sched = SuccessiveHalving(_searcher(), min_fidelity=0.05, max_fidelity=0.8, eta=3)
    sched.next_job()
    assert sched.fidelities_ == pytest.approx([0.8 / 9, 0.8 / 3, 0.8])
    with pytest.raises(ValueError, match="eta"):
        SuccessiveHalving(_searcher(), eta=1).next_job()
    with pytest.raises(ValueError, match="min_fidelity"):
        ASHA(_searcher(), min_fidelity=0).next_job()


def test_hyperband_brackets():
    sched = Hyperband(_searcher(), min_fidelity=1 / 9, eta=3)
    # s=2: 9 + 3 + 1 jobs; s=1: 5 + 1; s=0: 3.
    _run(sched, 13 + 6 + 3)
    per_bracket = {}
    for job, _ in sched.results_:
        per_bracket.setdefault(job.bracket, []).append(round(job.fidelity, 3))
    assert per_bracket == {
        0: [0.111] * 9 + [0.333] * 3 + [1.0],
        1: [0.333] * 5 + [1.0],
        2: [1.0] * 3,
    }
    assert sched.next_job().fidelity == pytest.approx(1 / 9)  # the cycle restarts


def test_halving_waits_for_its_rung_and_opens_a_bracket_for_idle_workers():
    sched = SuccessiveHalving(_searcher(), min_fidelity=1 / 3, eta=3, n_configs=3)
    first = [sched.next_job() for _ in range(3)]
    assert {j.bracket for j in first} == {0}
    extra = sched.next_job()  # rung 0 of bracket 0 is not complete yet
    assert extra.bracket == 1 and extra.rung == 0
    for j in first:
        sched.report(j, _score(j))
    promoted = sched.next_job()
    assert promoted.bracket == 0 and promoted.rung == 1
    assert promoted.key == max(first, key=_score).key


def test_asha_never_promotes_twice_with_parallel_workers():
    rng = np.random.RandomState(0)
    sched = ASHA(_searcher(1), min_fidelity=1 / 9, eta=3)
    running = []
    issued = set()
    for _ in range(300):
        while len(running) < 4:
            job = sched.next_job()
            assert job is not None
            assert (job.key, job.rung) not in issued
            issued.add((job.key, job.rung))
            if job.rung:
                # Promoted from the top 1/eta of its rung at that moment.
                below = sched.rungs_[job.rung - 1]
                ranked = sorted(below.values(), key=lambda cs: -cs[1])
                top = ranked[: len(below) // 3]
                assert any(c == job.config for c, _ in top)
            running.append(job)
        done = running.pop(rng.randint(len(running)))  # out-of-order completion
        sched.report(done, _score(done))
    for k in range(2):
        assert sched.promoted_[k] <= set(sched.rungs_[k])
    counts = [len(r) for r in sched.rungs_]
    assert counts[0] > counts[1] > counts[2] > 0


def test_asha_and_halving_raise_when_exhausted():
    searcher = RandomSearch(SearchSpace({"k": Int(0, 3)}), random_state=0)
    sched = ASHA(searcher, min_fidelity=1 / 4, eta=2)
    keys = []
    with pytest.raises(SearchExhausted):
        while True:
            job = sched.next_job()
            keys.append((job.key, job.rung))
            sched.report(job, job.config["k"])
    assert len(keys) == len(set(keys))
    assert sum(rung == 0 for _, rung in keys) == 4
    assert sched.best()[1] == 3 and sched.best()[0].fidelity == 1.0
    searcher = RandomSearch(SearchSpace({"k": Int(0, 4)}), random_state=0)
    sched = SuccessiveHalving(searcher, min_fidelity=1 / 9, eta=3)
    with pytest.raises(SearchExhausted):
        while True:
            job = sched.next_job()
            sched.report(job, job.config["k"])
    # 5 configurations (the bracket wanted 9), the best 1 promoted twice.
    assert [round(j.fidelity, 3) for j, _ in sched.results_][5:] == [0.333, 1.0]
    assert sched.results_[-1][1] == 4


def test_failed_jobs_are_never_promoted_and_searcher_told_once():
    sched = SuccessiveHalving(_searcher(), min_fidelity=1 / 3, eta=3, n_configs=3)
    jobs = [sched.next_job() for _ in range(3)]
    best = max(jobs, key=lambda j: j.config["x"])
    for j in jobs:
        sched.report(j, None if j is best else j.config["x"])
    promoted = sched.next_job()
    assert promoted.rung == 1 and promoted.key != best.key
    sched.report(promoted, 0.5)
    assert len(sched.searcher.history_) == 3  # the rung-1 score is not told again
    assert sum(s is None for _, s in sched.searcher.history_) == 1


def test_median_pruner():
    p = MedianPruner(n_startup=3)
    assert not any(p.report(k, 0.1, s) for k, s in zip("abc", [0.5, 0.6, 0.7]))
    assert p.report("d", 0.1, 0.55)
    assert not p.report("e", 0.1, 0.65)
    assert not p.report("f", 0.3, 0.0)  # another fidelity has no history yet
    assert p.report("g", 0.1, None)


def test_threshold_pruner_and_pruned_configs_are_not_promoted():
    p = ThresholdPruner(lower=0.2, upper=0.9)
    assert p.report("a", 1, 0.1) and p.report("b", 1, 0.95) and p.report("c", 1, math.nan)
    assert not p.report("d", 1, 0.5)
    sched = ASHA(_searcher(), min_fidelity=1 / 3, eta=3,
                 pruner=ThresholdPruner(upper=0.8))
    _run(sched, 60)
    for job, score in sched.results_:
        if job.rung == 1:
            first = next(s for j, s in sched.results_ if j.key == job.key and j.rung == 0)
            assert first <= 0.8
    assert sched.pruned_
