"""Random search: independent draws from the space."""

from __future__ import annotations

from ._base import Searcher

__all__ = ["RandomSearch"]


class RandomSearch(Searcher):
    """Propose independent random configurations, never the same one twice.

    Parameters
    ----------
    space : SearchSpace, optional
        The space to search (filled in by the AutoML estimators).
    initial_configs : list of dict, optional
        Configurations proposed first, in order.
    max_retries : int, default=100
        Draws tried to find a configuration not proposed before.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Examples
    --------
    >>> from sklearn_automl.space import Float, SearchSpace
    >>> from sklearn_automl.search import RandomSearch
    >>> s = RandomSearch(SearchSpace({"x": Float(-5, 5)}), random_state=0)
    >>> config = s.ask()
    >>> s.tell(config, -config["x"] ** 2)
    """

    #: scores do not steer the proposals: any number of objectives will do
    supports_multi_objective = True

    def __init__(self, space=None, *, initial_configs=None, max_retries=100,
                 random_state=None):
        super().__init__(space, initial_configs=initial_configs, random_state=random_state)
        self.max_retries = max_retries

    def _propose(self):
        return self._draw(self.space_)

    def _propose_fixed(self, fixed):
        return self._draw(self.subspace(fixed))

    def _draw(self, space):
        for _ in range(self.max_retries):
            config = space.sample(self.rng_)
            if self._is_new(config):
                return config
        return config
