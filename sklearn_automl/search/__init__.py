"""Searchers: ask/tell strategies over a SearchSpace."""

from ._base import Searcher, SearchExhausted
from ._grid import GridSearch
from ._random import RandomSearch

__all__ = ["GridSearch", "RandomSearch", "SearchExhausted", "Searcher"]
