"""Regularized (aging) evolution with tournament selection and crossover."""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from ..space import Categorical, Int
from ._base import Searcher, _as_score, _as_values, _matches
from ._pareto import crowding_distance, non_dominated_sort

__all__ = ["EvolutionarySearch"]


def mutate(space, config, rng, *, rate=None, scale=0.2):
    """A neighbour of ``config``: some active parameters changed.

    Each active parameter changes with probability ``rate`` (one over the
    number of active parameters when ``None``), and at least one always
    does. A categorical takes another of its choices; a number moves by a
    Gaussian step of ``scale`` on its encoded (log-)scale. Changing a
    parameter that others are conditioned on changes the *structure* of the
    configuration (the model family, the encoder, whether a selector is
    used): the children that become active are drawn at random, those that
    stay active keep their values.
    """
    names = [n for n in space.params if n in config and space.is_active(n, config)]
    p = 1.0 / len(names) if rate is None else rate
    chosen = [n for n in names if rng.uniform() < p] or [names[rng.randint(len(names))]]
    new = dict(config)
    for name in chosen:
        new[name] = _mutate_value(space.params[name], config[name], rng, scale)
    return space.sample(rng, fixed=new)


def _mutate_value(dist, value, rng, scale):
    if isinstance(dist, Categorical):
        if len(dist.choices) == 1:
            return value
        others = [c for c in dist.choices if not (c is value or c == value)]
        others = others or dist.choices
        return others[rng.randint(len(others))]
    u = dist.encode(value)[0] + rng.normal(0.0, scale)
    u = abs(u) if u < 0 else (2.0 - u if u > 1 else u)  # reflect at the bounds
    new = dist.decode([u])
    if isinstance(dist, Int) and new == value and dist.high > dist.low:
        # Integer cells can swallow small steps; move to a neighbour instead.
        step = 1 if u >= dist.encode(value)[0] else -1
        new = min(max(value + step, dist.low), dist.high)
        if new == value:
            new = value - step
    return new


def crossover(space, first, second, rng):
    """Uniform crossover: each active parameter from either parent.

    The configuration is built in the space's order, so a parent value
    decides which children are active; a child that only the other parent
    (or neither) has is taken from where it exists (or drawn at random).
    """
    child = {}
    for name in space.params:
        if not space.is_active(name, child):
            continue
        have = [p[name] for p in (first, second) if name in p]
        if not have:
            child[name] = space.params[name].sample(rng)
        else:
            child[name] = have[rng.randint(len(have))]
    return child


class EvolutionarySearch(Searcher):
    """Regularized evolution: tournaments, mutation, crossover and aging.

    After an initial population of random configurations, each proposal
    picks a parent by tournament (the best of ``tournament_size``
    configurations drawn from the population), optionally crosses it with
    a second tournament winner, and mutates the result. Every told result
    joins the population and the oldest leaves it (*aging*, Real et al.
    2019, "Regularized Evolution for Image Classifier Architecture
    Search"), which keeps the search from clinging to a lucky early score;
    the ``n_elites`` best configurations ever seen stay eligible as parents
    regardless of age (*elitism*).

    Mutations change parameter values and the pipeline's structure alike:
    in a space whose parameters are conditioned on a ``"family"`` or an
    encoder/selector choice, changing that parent swaps the model family,
    the encoder, or adds/removes the selector (see the ``mutate`` rules).
    The searcher reads nothing but the space and the scores.

    **Several objectives (NSGA-II).** Told a tuple of objective values
    (each higher-is-better; see :meth:`Searcher.tell`), the population is
    chosen as in NSGA-II (Deb et al., 2002, "A fast and elitist
    multiobjective genetic algorithm"): all results so far are ranked by
    non-dominated sorting, ties within a front broken by crowding distance
    (less crowded first), and the best ``population_size`` survive;
    tournaments compare (front, crowding) the same way. Survival is elitist
    (the first front stays while it fits), so there is no aging and
    ``n_elites`` does not apply. Failed trials never become parents.

    Parameters
    ----------
    space : SearchSpace, optional
        The space to search (filled in by the AutoML estimators).
    initial_configs : list of dict, optional
        Configurations proposed first, in order; they join the population
        like any other once told.
    population_size : int, default=20
        Number of configurations alive at once (also the size of the
        random initial population).
    tournament_size : int, default=5
        Configurations compared per tournament.
    mutation_rate : float or None, default=None
        Probability that each active parameter mutates; ``None`` means one
        over the number of active parameters. At least one always mutates.
    crossover_rate : float, default=0.3
        Probability that a child has two parents.
    n_elites : int, default=2
        Best configurations kept as possible parents even once aged out.
    max_retries : int, default=50
        Children tried to find one not proposed before (then a random draw).
    random_state : int, RandomState instance or None, default=None
        Seed.

    Attributes
    ----------
    population_ : deque of (dict, float) or of (dict, (int, float))
        The living configurations and their scores (failed: ``-inf``); with
        several objectives, their fitness ``(-front, crowding distance)``.
    elites_ : list of (dict, float)
        The ``n_elites`` best results so far (single objective only).

    See Also
    --------
    BayesianSearch : A model-based searcher.
    RandomSearch : Independent random draws.

    Examples
    --------
    >>> from sklearn_automl.space import Float, SearchSpace
    >>> from sklearn_automl.search import EvolutionarySearch
    >>> space = SearchSpace({"x": Float(-5, 5), "y": Float(-5, 5)})
    >>> s = EvolutionarySearch(space, population_size=10, random_state=0)
    >>> for _ in range(60):
    ...     c = s.ask()
    ...     s.tell(c, -(c["x"] - 1) ** 2 - c["y"] ** 2)
    >>> best = max(s.history_, key=lambda r: r[1])
    >>> best[1] > -0.5
    True
    """

    supports_multi_objective = True

    def __init__(self, space=None, *, initial_configs=None, population_size=20,
                 tournament_size=5, mutation_rate=None, crossover_rate=0.3, n_elites=2,
                 max_retries=50, random_state=None):
        super().__init__(space, initial_configs=initial_configs, random_state=random_state)
        self.population_size = population_size
        self.tournament_size = tournament_size
        self.mutation_rate = mutation_rate
        self.crossover_rate = crossover_rate
        self.n_elites = n_elites
        self.max_retries = max_retries

    def _setup(self):
        checks = (
            ("population_size", self.population_size, 2),
            ("tournament_size", self.tournament_size, 1),
            ("n_elites", self.n_elites, 0),
        )
        for name, value, low in checks:
            if not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
        for name in ("mutation_rate", "crossover_rate"):
            value = getattr(self, name)
            if value is None and name == "mutation_rate":
                continue
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value!r}.")
        self.population_ = deque(maxlen=self.population_size)
        self.elites_ = []
        self._archive = []  # (config, values) of every multi-objective result

    def _observe(self, config, score):
        if isinstance(score, (tuple, list, np.ndarray)) or (
            score is None and self._archive
        ):
            values = _as_values(score)
            if values is not None:
                self._archive.append((dict(config), values))
                self._survive()
            return
        score = _as_score(score)
        entry = (dict(config), -math.inf if math.isnan(score) else score)
        self.population_.append(entry)  # the oldest member leaves (aging)
        if self.n_elites and math.isfinite(entry[1]):
            self.elites_.append(entry)
            self.elites_.sort(key=lambda e: -e[1])
            del self.elites_[self.n_elites:]

    def _survive(self):
        """NSGA-II survival: the best ``population_size`` by (front, crowding)."""
        values = np.array([v for _, v in self._archive])
        ranks = non_dominated_sort(values)
        crowding = crowding_distance(values, ranks)
        order = np.lexsort((np.arange(len(ranks)), -crowding, ranks))
        self.population_ = deque(
            ((self._archive[i][0], (-int(ranks[i]), float(crowding[i])))
             for i in order[: self.population_size]),
            maxlen=self.population_size,
        )
        self.elites_ = []

    def _tournament(self, pool):
        size = min(self.tournament_size, len(pool))
        picks = self.rng_.choice(len(pool), size=size, replace=False)
        return max((pool[i] for i in picks), key=lambda e: e[1])[0]

    def _propose(self):
        alive = len(self.population_) + len(self.pending_)
        if len(self.population_) < 2 or alive < self.population_size:
            return self._random()
        return self._evolve(self.space_, list(self.population_), self.elites_)

    def _propose_fixed(self, fixed):
        # Evolution within the sub-space: once the initial population is
        # complete, parents are the living members (and elites) where
        # ``fixed`` holds, and children stay in the sub-space.
        space = self.subspace(fixed)
        pool = [e for e in self.population_ if _matches(e[0], fixed)]
        alive = len(self.population_) + len(self.pending_)
        if not pool or alive < self.population_size:
            config = self._random(space)
        else:
            elites = [e for e in self.elites_ if _matches(e[0], fixed)]
            config = self._evolve(space, pool, elites)
        return config if self._is_new(config) else None

    def _evolve(self, space, population, elites):
        pool = list(population)
        keys = {id(e) for e in pool}
        pool += [e for e in elites if id(e) not in keys]
        for _ in range(self.max_retries):
            parent = self._tournament(pool)
            if self.rng_.uniform() < self.crossover_rate:
                parent = crossover(space, parent, self._tournament(pool), self.rng_)
            child = mutate(space, parent, self.rng_, rate=self.mutation_rate)
            if self._is_new(child):
                return child
        return self._random(space)

    def _random(self, space=None):
        space = self.space_ if space is None else space
        for _ in range(self.max_retries):
            config = space.sample(self.rng_)
            if self._is_new(config):
                return config
        return config
