"""Which model family each new configuration comes from (``family_allocation``).

The search loop consults a :class:`FamilyAllocator` before each proposal
when ``family_allocation="cost"``; the searcher then proposes within that
family (``ask(fixed={"family": ...})``), by its own strategy. The
allocator sees only family names, the told scores and the cost of each
finished trial: it knows no models, and the searchers know nothing of it.

The rule is an estimated cost for improvement (ECI) per family, after the
idea of FLAML (Wang et al., 2021, "FLAML: A Fast and Lightweight AutoML
Library"); the user guide writes it out (``doc/user_guide.rst``,
"Which family the budget goes to").
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["FamilyAllocator"]


class _Family:
    """What the allocator knows of one family."""

    def __init__(self):
        self.issued = 0  # jobs issued (finished or not)
        self.n_done = 0  # finished trials (skipped ones excluded)
        self.n_failed = 0  # finished trials without a score
        self.cost = 0.0  # K: cost spent on the family
        self.best = -math.inf  # best told score
        self.cost_at_best = 0.0  # K1: cost spent when `best` was found
        self.previous = None  # the best score before `best` (None: none)
        self.cost_at_previous = 0.0  # K0: cost spent when `previous` was found
        self.exhausted = False


class FamilyAllocator:
    """Choose the family of the next configuration from measured cost and progress.

    Parameters
    ----------
    families : list of str
        The families, in exploration order (each one's first trial runs
        in this order).
    unit : {"seconds", "trials"}, default="seconds"
        The cost of a finished trial: its wall-clock duration, or 1 (the
        unit of a ``max_trials`` budget; deterministic).
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Notes
    -----
    While some family has had no job, :meth:`choose` returns the first such
    family. Then each family with a finished trial gets an estimated cost
    for improvement: with ``K`` the cost spent on it, ``K1`` the cost spent
    when its best score was found and ``K0`` when its previous best was
    found (0 if none),

    - ``ECI = max(K - K1, K1 - K0)``: how much it took, or has taken since,
      to improve;
    - if its best is below the leader's by ``gap > 0``: ``ECI = max(ECI,
      2 * gap / speed)``, with ``speed = delta / (K - K0)`` and ``delta``
      its last improvement (the gap itself when it has one score, so
      ``2 * K``): the cost of closing the gap twice at the pace it has;
    - a family with no score yet (its trials failed): ``ECI = K * 2 ** n``
      after ``n`` failures;

    and the family is drawn with probability proportional to ``1 / ECI``.
    """

    def __init__(self, families, *, unit="seconds", random_state=None):
        if unit not in ("seconds", "trials"):
            raise ValueError(f"unit must be 'seconds' or 'trials', got {unit!r}.")
        self.families = list(dict.fromkeys(families))
        self.unit = unit
        self.rng = np.random.RandomState(random_state) if not isinstance(
            random_state, np.random.RandomState) else random_state
        self.state = {name: _Family() for name in self.families}
        self._scored = set()  # configuration keys whose score was taken in

    # ------------------------------------------------------------ feedback
    def issued(self, family):
        """A job of ``family`` was issued."""
        if family in self.state:
            self.state[family].issued += 1

    def exhausted(self, family):
        """``family`` has no new configuration left."""
        if family in self.state:
            self.state[family].exhausted = True

    def observe(self, family, key, score, duration):
        """Take in a finished trial.

        Parameters
        ----------
        family : str
        key : str
            The configuration's key: only its first result's score counts
            (later ones are promotions of the same configuration to higher
            fidelities, whose cost counts).
        score : float or None
            What the searcher was told (``None``/NaN: failed or infeasible).
        duration : float
            Seconds the trial took (used with ``unit="seconds"``).
        """
        state = self.state.get(family)
        if state is None:
            return
        state.n_done += 1
        state.cost += max(float(duration), 1e-6) if self.unit == "seconds" else 1.0
        if key in self._scored:
            return
        self._scored.add(key)
        if score is None or not math.isfinite(score):
            state.n_failed += 1
            return
        if score > state.best:
            if math.isfinite(state.best):
                state.previous, state.cost_at_previous = state.best, state.cost_at_best
            state.best, state.cost_at_best = float(score), state.cost

    # -------------------------------------------------------------- choice
    def eci(self):
        """The estimated cost for improvement of each family with a
        finished trial (``inf`` for none: see the class notes)."""
        leader = max((s.best for s in self.state.values()), default=-math.inf)
        out = {}
        for name, s in self.state.items():
            if s.n_done == 0:
                continue
            if not math.isfinite(s.best):
                out[name] = s.cost * 2.0 ** min(s.n_failed, 60)
                continue
            eci = max(s.cost - s.cost_at_best, s.cost_at_best - s.cost_at_previous)
            gap = leader - s.best
            if gap > 0:
                delta = gap if s.previous is None else s.best - s.previous
                speed = delta / max(s.cost - s.cost_at_previous, 1e-12)
                if speed > 0:
                    eci = max(eci, 2.0 * gap / speed)
            out[name] = max(eci, 1e-9)
        return out

    def choose(self, exclude=()):
        """The family of the next new configuration, or None when every
        family is exhausted.

        Parameters
        ----------
        exclude : collection of str
            Families not to choose now (predicted to overrun the time left),
            unless no other remains.
        """
        live = [f for f in self.families if not self.state[f].exhausted]
        if not live:
            return None
        allowed = [f for f in live if f not in exclude] or live
        for name in allowed:  # exploration: every family's first trial
            if self.state[name].issued == 0:
                return name
        eci = self.eci()
        ranked = [f for f in allowed if f in eci]
        if not ranked:  # only families whose first trials still run
            return allowed[0]
        weights = np.array([1.0 / eci[f] for f in ranked])
        if not np.isfinite(weights).all() or weights.sum() <= 0:
            return min(ranked, key=lambda f: eci[f])
        return ranked[int(self.rng.choice(len(ranked), p=weights / weights.sum()))]
