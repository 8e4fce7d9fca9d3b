"""Searchers at their ask/tell interface."""

import pytest
from sklearn.base import clone

from sklearn_automl.search import RandomSearch, SearchExhausted
from sklearn_automl.space import Categorical, Float, Int, SearchSpace, config_key


def test_random_search_is_seeded_and_never_repeats():
    space = SearchSpace({"x": Int(0, 9), "c": Categorical(["a", "b"])})
    s1, s2 = RandomSearch(space, random_state=0), RandomSearch(space, random_state=0)
    seen = set()
    for _ in range(20):
        c1, c2 = s1.ask(), s2.ask()
        assert c1 == c2
        assert config_key(c1) not in seen
        seen.add(config_key(c1))
        s1.tell(c1, float(c1["x"]))
    with pytest.raises(SearchExhausted):
        s1.ask()


def test_initial_configs_come_first_and_are_validated():
    space = SearchSpace({"x": Float(0, 1)})
    s = RandomSearch(space, initial_configs=[{"x": 0.5}, {"x": 0.5}, {}], random_state=1)
    assert s.ask() == {"x": 0.5}
    # The repeated config and {} (whose default is also x=0.5) are skipped.
    assert s.ask() != {"x": 0.5}
    assert len(s.seen_) == 2
    s2 = RandomSearch(space, initial_configs=[{"x": 2.0}])
    with pytest.raises(ValueError, match="outside"):
        s2.ask()


def test_searcher_needs_a_space_and_clones():
    with pytest.raises(TypeError, match="needs a SearchSpace"):
        RandomSearch().ask()
    s = RandomSearch(SearchSpace({"x": Float(0, 1)}), random_state=0)
    s.ask()
    c = clone(s)
    assert not hasattr(c, "seen_")
    assert c.ask() == RandomSearch(s.space, random_state=0).ask()
