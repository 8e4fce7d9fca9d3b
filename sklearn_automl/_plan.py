"""Plan a search: the families that apply, their joint space, the pipelines.

A configuration is a flat dict: ``{"family": name, "<name>__<param>": value}``.
:meth:`Plan.build` turns it into an unfitted ``Pipeline`` of plain
scikit-learn steps ``[("features", ColumnTransformer), ("model", estimator)]``.
"""

from __future__ import annotations

import logging

from sklearn.pipeline import Pipeline

from .features import infer_column_kinds, make_simple_featurizer
from .space import Categorical, SearchSpace
from .space._components import Component, as_component
from .space._default import FAMILIES, default_components

__all__ = ["Plan", "make_plan"]

logger = logging.getLogger("sklearn_automl")


class Plan:
    """What one ``fit`` searches: components, their space and the data's columns.

    Parameters
    ----------
    task : {"classification", "regression"}
    components : dict of str -> Component
        In proposal order.
    kinds : dict
        Column -> kind (see :func:`~sklearn_automl.features.infer_column_kinds`).
    """

    def __init__(self, task, components, kinds):
        self.task = task
        self.components = components
        self.kinds = kinds
        params = {"family": Categorical(list(components))}
        conditions = {}
        for name, comp in components.items():
            for pname, dist in comp.space.items():
                key = f"{name}__{pname}"
                params[key] = dist
                conditions[key] = ("family", [name])
        self.space = SearchSpace(params, conditions)
        self.n_categorical = sum(k == "categorical" for k in kinds.values())

    def default_configs(self):
        """Each family's default configuration, in proposal order."""
        return [self.space.default({"family": name}) for name in self.components]

    def model_params(self, config):
        """``config`` as ``set_params`` arguments of the pipeline."""
        family = config["family"]
        prefix = f"{family}__"
        return {
            f"model__{k[len(prefix):]}": v for k, v in config.items() if k.startswith(prefix)
        }

    def build(self, config, *, random_state=None, n_jobs=None):
        """An unfitted pipeline for ``config``."""
        comp = self.components[config["family"]]
        prefix = f"{comp.name}__"
        params = {k[len(prefix):]: v for k, v in config.items() if k.startswith(prefix)}
        categorical = None
        if comp.encoding == "ordinal" and self.n_categorical:
            # make_simple_featurizer puts categorical columns first.
            categorical = list(range(self.n_categorical))
        model = comp.build(
            params, random_state=random_state, n_jobs=n_jobs, categorical=categorical
        )
        features = make_simple_featurizer(self.kinds, encoding=comp.encoding, scale=comp.scale)
        return Pipeline([("features", features), ("model", model)])


def resolve_components(estimators, task, n_rows):
    """Components for the ``estimators`` parameter (names and custom tuples)."""
    builtin = default_components(task)
    if estimators is None:
        chosen = [c for c in builtin.values() if c.supports(task, n_rows)]
        skipped = [c.name for c in builtin.values() if not c.supports(task, n_rows)]
        if skipped:
            logger.info("Families left out for %d training rows: %s", n_rows, skipped)
        return {c.name: c for c in chosen}
    if isinstance(estimators, (str, tuple, Component)):
        estimators = [estimators]
    out = {}
    for entry in estimators:
        if isinstance(entry, str):
            if entry not in builtin:
                raise ValueError(
                    f"estimators: unknown family {entry!r}; built-in families are "
                    f"{list(FAMILIES)}, or pass (name, estimator, space) tuples."
                )
            comp = builtin[entry]
        else:
            comp = as_component(entry, task)
            if task not in comp.tasks:
                raise ValueError(
                    f"estimators: component {comp.name!r} does not support {task}."
                )
        if comp.name in out:
            raise ValueError(f"estimators: the name {comp.name!r} appears twice.")
        out[comp.name] = comp
    if not out:
        raise ValueError("estimators must name at least one model family.")
    return out


def make_plan(X, task, estimators):
    """Detect column kinds and choose the families for this data."""
    kinds = infer_column_kinds(X)
    dropped = [c for c, k in kinds.items() if k == "drop"]
    if dropped:
        logger.info(
            "Columns with no usable type for the simple featurizer are left out: %s",
            dropped,
        )
    if len(dropped) == len(kinds):
        raise ValueError(
            f"X has no usable column: {dropped} have types (datetime, period, "
            "interval) that this featurizer cannot encode; convert them to "
            "numbers or strings."
        )
    components = resolve_components(estimators, task, X.shape[0])
    return Plan(task, components, kinds)
