"""Grid search: every configuration of a discrete (or discretized) space."""

from __future__ import annotations

import logging
import math

import numpy as np

from ..space import Categorical, Int, config_key
from ._base import Searcher

__all__ = ["GridSearch"]

logger = logging.getLogger("sklearn_automl")

#: spaces up to this size are shuffled by a permutation, larger ones by rejection
_MAX_PERMUTED = 10**6


def _grid_values(dist, n_points):
    """The values of one distribution on the grid, in order."""
    if isinstance(dist, Categorical):
        return list(dist.choices)
    if isinstance(dist, Int) and dist.high - dist.low + 1 <= n_points and not dist.log:
        return list(range(dist.low, dist.high + 1))
    values = []
    for u in np.linspace(0.0, 1.0, n_points):
        v = dist.decode([u])
        if v not in values:
            values.append(v)
    return values


class _Tree:
    """The space as a forest: each parameter with the children of each value.

    A conditional space factorizes: the configurations under a parameter are
    the union over its values of the product of its children's
    configurations. This gives the grid's size without enumerating it, and
    a bijection between ``range(size)`` and the configurations.
    """

    def __init__(self, space, n_points):
        self.values = {n: _grid_values(d, n_points) for n, d in space.params.items()}
        self.children = {n: [[] for _ in self.values[n]] for n in space.params}
        self.roots = []
        for name in space.params:
            cond = space.conditions.get(name)
            if cond is None:
                self.roots.append(name)
                continue
            parent = cond[0]
            for i, v in enumerate(self.values[parent]):
                if space.is_active(name, _ancestors_ok(space, parent) | {parent: v}):
                    self.children[parent][i].append(name)
        self.order = list(space.params)
        self._count = {}
        self.size = self._count_forest(self.roots)

    def _count_forest(self, names):
        return math.prod(self._count_one(n) for n in names)

    def _count_one(self, name):
        if name not in self._count:
            self._count[name] = sum(
                self._count_forest(kids) for kids in self.children[name]
            )
        return self._count[name]

    def config(self, index):
        """The ``index``-th configuration (mixed radix, last parameter fastest)."""
        out = {}
        self._decode_forest(self.roots, index, out)
        return {name: out[name] for name in self.order if name in out}

    def _decode_forest(self, names, index, out):
        for name in reversed(names):
            index, rest = divmod(index, self._count_one(name))
            self._decode_one(name, rest, out)

    def _decode_one(self, name, index, out):
        for i, kids in enumerate(self.children[name]):
            n = self._count_forest(kids)
            if index < n:
                out[name] = self.values[name][i]
                self._decode_forest(kids, index, out)
                return
            index -= n
        raise IndexError(index)  # pragma: no cover - index < size always


def _ancestors_ok(space, name):
    """A partial config under which ``name`` itself is active (any values)."""
    out = {}
    cond = space.conditions.get(name)
    while cond is not None:
        parent, allowed = cond
        out[parent] = allowed[0]
        cond = space.conditions.get(parent)
    return out


class GridSearch(Searcher):
    """Propose every configuration of the grid, each once, then stop.

    Categorical parameters contribute all their choices; integer ranges of
    at most ``n_points`` values all their integers; other numeric parameters
    ``n_points`` evenly spaced values (on the log scale when ``log=True``).
    Conditional parameters are enumerated only under the parent values that
    activate them, so a space of model families has the *sum* of the
    families' grids, not their product. The size is known before the first
    trial (:meth:`space_size`, ``n_configs_``, and a log message).

    Parameters
    ----------
    space : SearchSpace, optional
        The space to search (filled in by the AutoML estimators).
    initial_configs : list of dict, optional
        Configurations proposed first, in order (they need not lie on the
        grid; a grid point equal to one of them is not proposed again).
    n_points : int, default=5
        Grid points per continuous parameter (and per integer parameter with
        a wider range).
    shuffle : bool, default=False
        Visit the grid in a random order (seeded by ``random_state``) rather
        than in order, which is better when a time budget may stop the
        search before the end.
    random_state : int, RandomState instance or None, default=None
        Seed of the order when ``shuffle=True``.

    Attributes
    ----------
    n_configs_ : int
        Number of configurations of the grid (set at the first ``ask``).

    See Also
    --------
    RandomSearch : Independent random draws.

    Examples
    --------
    >>> from sklearn_automl.space import Categorical, Float, SearchSpace
    >>> from sklearn_automl.search import GridSearch
    >>> space = SearchSpace(
    ...     {"family": Categorical(["a", "b"]), "a__C": Float(0.1, 10, log=True)},
    ...     conditions={"a__C": ("family", ["a"])},
    ... )
    >>> GridSearch(space, n_points=3).space_size()
    4
    >>> s = GridSearch(space, n_points=3)
    >>> [s.ask() for _ in range(4)]  # doctest: +NORMALIZE_WHITESPACE
    [{'family': 'a', 'a__C': 0.1}, {'family': 'a', 'a__C': 1.0},
     {'family': 'a', 'a__C': 10.0}, {'family': 'b'}]
    """

    #: scores do not steer the proposals: any number of objectives will do
    supports_multi_objective = True

    def __init__(self, space=None, *, initial_configs=None, n_points=5, shuffle=False,
                 random_state=None):
        super().__init__(space, initial_configs=initial_configs, random_state=random_state)
        self.n_points = n_points
        self.shuffle = shuffle

    def space_size(self):
        """Number of configurations on the grid of ``space``.

        Returns
        -------
        size : int
        """
        self._check_n_points()
        return _Tree(self.space, self.n_points).size

    def _check_n_points(self):
        if not isinstance(self.n_points, (int, np.integer)) or self.n_points < 1:
            raise ValueError(f"n_points must be an int >= 1, got {self.n_points!r}.")

    def _setup(self):
        self._check_n_points()
        self._walks = {}
        self._tree, self._next, self._order = self._start_walk(self.space_)
        self.n_configs_ = self._tree.size
        logger.info("GridSearch: the grid holds %d configurations.", self.n_configs_)

    def _start_walk(self, space):
        """(tree, next position, order) of a walk over the grid of ``space``."""
        tree = _Tree(space, self.n_points)
        order = None
        if self.shuffle and tree.size <= _MAX_PERMUTED:
            order = self.rng_.permutation(tree.size)
        return tree, 0, order

    def _propose(self):
        config, self._next = self._walk(self._tree, self._next, self._order)
        return config

    def _propose_fixed(self, fixed):
        # The grid of the sub-space (its own walk, in its own order): the
        # configurations of the whole grid where ``fixed`` holds.
        key = config_key(fixed)
        if key not in self._walks:
            self._walks[key] = self._start_walk(self.subspace(fixed))
        tree, position, order = self._walks[key]
        config, position = self._walk(tree, position, order)
        self._walks[key] = (tree, position, order)
        return config if self._is_new(config) else None

    def _walk(self, tree, position, order):
        """The next new configuration of ``tree`` from ``position`` on."""
        config = None
        big_shuffle = self.shuffle and order is None
        while position < tree.size:
            if big_shuffle:
                # Rejection sampling: duplicates are rare in a grid this large.
                index = int(self.rng_.randint(0, 2**62) % tree.size)
            elif order is not None:
                index = int(order[position])
            else:
                index = position
            position += 1
            config = tree.config(index)
            if self._is_new(config):
                return config, position
        if config is None:
            # Exhausted: any seen configuration makes ``ask`` raise SearchExhausted.
            config = tree.config(0)
        return config, position
