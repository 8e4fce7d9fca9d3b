"""Searchers: ask/tell strategies over a SearchSpace."""

from ._base import Searcher, SearchExhausted
from ._random import RandomSearch

__all__ = ["RandomSearch", "SearchExhausted", "Searcher"]
