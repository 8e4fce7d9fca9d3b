"""Bayesian optimization with a Gaussian-process surrogate."""

from __future__ import annotations

import logging
import math
import warnings

import numpy as np
from scipy.optimize import minimize
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
from threadpoolctl import threadpool_limits

from ..space import config_key
from ._base import Searcher, _as_score, _as_values, _matches
from ._evolution import mutate
from ._pareto import hypervolume_improvement_2d, non_dominated_sort, pareto_mask

__all__ = ["BayesianSearch"]

logger = logging.getLogger("sklearn_automl")

_ACQUISITIONS = ("ei", "ucb", "pi")
_LIARS = ("worst", "mean", "best")
_MULTI_OBJECTIVE = ("parego", "ehvi")
#: augmentation of ParEGO's Chebyshev scalarisation (Knowles, 2006)
_PAREGO_RHO = 0.05
#: Monte-Carlo draws of expected hypervolume improvement per candidate
_EHVI_SAMPLES = 64


def _lbfgs(obj_func, initial_theta, bounds):
    """L-BFGS-B on the log marginal likelihood, capped at 50 iterations.

    Warm-started from the previous fit, a few iterations suffice; the cap
    bounds the worst case.
    """
    result = minimize(obj_func, initial_theta, method="L-BFGS-B", jac=True,
                      bounds=bounds, options={"maxiter": 50})
    return result.x, result.fun


class BayesianSearch(Searcher):
    """Gaussian-process Bayesian optimization over a conditional mixed space.

    After a random initial design, each proposal fits a Gaussian process to
    the scores of the configurations seen so far and returns the candidate
    that maximizes an acquisition function (expected improvement,
    probability of improvement or an upper confidence bound).

    **Encoding.** Configurations are vectors from
    :meth:`SearchSpace.encode <sklearn_automl.space.SearchSpace.encode>`:
    numbers on ``[0, 1]`` on their own (log-)scale, so ``log=True``
    parameters are modelled on the log scale; categoricals one-hot; the
    parameters of inactive branches (another model family's, a selector's
    ``k`` without a selector) at 0. Two families therefore differ in their
    one-hot block *and* in disjoint sets of non-zero coordinates, so the
    surrogate sees each family's subspace separately while still sharing
    what the featurizer knobs have in common. Coordinates constant over all
    observations (a family never tried yet) carry no information and are
    dropped before fitting.

    **Kernel.** ``Constant * Matern(nu=2.5, ARD) + White``. Matérn 5/2 is the
    usual choice for hyperparameter response surfaces (twice differentiable,
    less smooth than the RBF, which over-smooths the sharp ridges learning
    curves have); one length scale per coordinate (ARD) lets the GP ignore
    parameters that do not matter, and, on one-hot blocks, learn how much a
    categorical matters as a whole; the white-noise term absorbs the noise
    of cross-validated scores and the jumps of rounded integers, and keeps
    the Cholesky factorization stable. Scores are standardized; kernel
    hyperparameters are re-estimated at every fit, starting from the last
    fit's values (one L-BFGS run, no restarts), which keeps refits cheap.

    **Failures, batches, scale.** A failed trial (score ``None``/NaN) is
    imputed with the worst observed score, which pushes the search away
    from it without breaking the fit. Configurations asked but not yet told
    (parallel workers, :meth:`ask_batch`) are given a constant lie
    (``liar``) so that a batch spreads out. Above ``max_observations``
    results, the surrogate is fitted to the best half and the most recent
    rest, so the cubic cost of the refit stays bounded. If the GP cannot be
    fitted (too few results, all failed, numerical trouble), the proposal
    falls back to a random draw (counted in ``n_fallbacks_``).

    **Several objectives.** Told tuples of objective values (each
    higher-is-better, see :meth:`Searcher.tell`), the searcher follows
    ``multi_objective``. ``"parego"`` (Knowles, 2006, "ParEGO: a hybrid
    algorithm with on-line landscape approximation for expensive
    multiobjective optimization problems"): each proposal draws a random
    weight vector (uniform on the simplex), rescales every objective to
    ``[0, 1]`` over the results so far and fits the one Gaussian process
    to their augmented Chebyshev scalarisation
    ``max_k w_k f_k + 0.05 sum_k w_k f_k``; the acquisition is then the
    single-objective one. ``"ehvi"`` (two objectives): one Gaussian
    process per objective, and the candidate maximizing the expected
    hypervolume improvement over the observed front (Emmerich et al.,
    2006), estimated from 64 joint draws of the two posteriors (common
    random numbers across candidates); pending configurations join the
    front at their predicted means. With more than two objectives
    ``"ehvi"`` proposes as ``"parego"`` does.

    **Acquisition optimization.** ``n_candidates`` random configurations
    plus a local search (a few rounds of mutations, see
    :class:`EvolutionarySearch`, of the best candidates and the best
    observed configurations); the best one not proposed before wins.

    **Cheap proposals.** The searcher never times itself. While
    :attr:`cheap_proposals` is True (set and cleared by whoever drives it:
    the AutoML estimators do under a ``time_budget``), a proposal after the
    initial design fits no Gaussian process: it is a new mutation of one of
    the three best results so far (as in :class:`EvolutionarySearch`; about
    0.2 ms), or a random draw when no such mutation is new; counted in
    ``n_cheap_``. Back to False, proposals use the surrogate again. Left
    False, proposals never depend on timing: the same ``random_state`` and
    scores give the same proposals.

    Parameters
    ----------
    space : SearchSpace, optional
        The space to search (filled in by the AutoML estimators).
    initial_configs : list of dict, optional
        Configurations proposed first, in order; they count towards the
        initial design.
    acquisition : {"ei", "ucb", "pi"}, default="ei"
        Expected improvement, upper confidence bound or probability of
        improvement.
    n_initial : int, default=10
        Random configurations (after ``initial_configs``) before the
        surrogate is used.
    kappa : float, default=1.96
        Exploration weight of ``"ucb"`` (in standard deviations).
    xi : float, default=0.01
        Improvement margin of ``"ei"`` and ``"pi"`` (in standardized score
        units).
    n_candidates : int, default=256
        Random candidates per proposal.
    n_local : int, default=2
        Rounds of local search around the best candidates.
    liar : {"worst", "mean", "best"}, default="worst"
        Score assumed for pending configurations (constant liar); the
        pessimistic ``"worst"`` spreads a batch most.
    max_observations : int, default=200
        Most results the surrogate is fitted to.
    multi_objective : {"parego", "ehvi"}, default="parego"
        How proposals trade off several objectives (see above); unused
        when told single scores. ``"parego"`` is the default: tied with
        ``"ehvi"`` on an AutoML-shaped problem in
        ``benchmarks/multiobjective_searchers.py``, at half the cost per
        proposal and for any number of objectives (see :ref:`objectives`).
    random_state : int, RandomState instance or None, default=None
        Seed.

    Attributes
    ----------
    cheap_proposals : bool, default=False
        Whether the next proposals must skip the surrogate (see above); not
        a parameter, so not carried by ``get_params``/``clone``.
    gp_ : GaussianProcessRegressor or None
        The last fitted surrogate.
    n_fallbacks_ : int
        Proposals that fell back to random sampling although the initial
        design was complete.
    n_cheap_ : int
        Proposals made without the surrogate because ``cheap_proposals``
        was True (proposals of the initial design are not counted).

    See Also
    --------
    EvolutionarySearch : Regularized evolution.
    RandomSearch : Independent random draws.

    Examples
    --------
    >>> from sklearn_automl.space import Float, SearchSpace
    >>> from sklearn_automl.search import BayesianSearch
    >>> space = SearchSpace({"x": Float(-5, 5), "y": Float(-5, 5)})
    >>> s = BayesianSearch(space, n_initial=5, random_state=0)
    >>> for _ in range(20):
    ...     c = s.ask()
    ...     s.tell(c, -(c["x"] - 1) ** 2 - c["y"] ** 2)
    >>> max(score for _, score in s.history_) > -0.5
    True
    >>> len(s.ask_batch(4))  # four configurations for four workers
    4
    """

    supports_multi_objective = True

    def __init__(self, space=None, *, initial_configs=None, acquisition="ei",
                 n_initial=10, kappa=1.96, xi=0.01, n_candidates=256, n_local=2,
                 liar="worst", max_observations=200, multi_objective="parego",
                 random_state=None):
        super().__init__(space, initial_configs=initial_configs, random_state=random_state)
        self.acquisition = acquisition
        self.n_initial = n_initial
        self.kappa = kappa
        self.xi = xi
        self.n_candidates = n_candidates
        self.n_local = n_local
        self.liar = liar
        self.max_observations = max_observations
        self.multi_objective = multi_objective

    def _setup(self):
        if self.acquisition not in _ACQUISITIONS:
            raise ValueError(
                f"acquisition must be one of {_ACQUISITIONS}, got {self.acquisition!r}."
            )
        if self.liar not in _LIARS:
            raise ValueError(f"liar must be one of {_LIARS}, got {self.liar!r}.")
        if self.multi_objective not in _MULTI_OBJECTIVE:
            raise ValueError(
                f"multi_objective must be one of {_MULTI_OBJECTIVE}, got "
                f"{self.multi_objective!r}."
            )
        for name, low in (("n_initial", 0), ("n_candidates", 1), ("n_local", 0),
                          ("max_observations", 2)):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
        self.gp_ = None
        self.n_fallbacks_ = 0
        self.n_cheap_ = 0
        self._X = []  # encoded told configurations
        self._y = []  # their scores, NaN when failed
        self._kernel = None  # last fitted kernel (warm start)
        self._kept = None  # coordinates the kernel was fitted on
        self._n_optimized = 0  # results when the hyperparameters were last fitted
        self._V = []  # told objective vectors (None: scalar or failed)
        self._mo = False  # whether tuples were told
        self._ehvi_kernels = {}

    def _observe(self, config, score):
        self._X.append(self.space_.encode(config))
        if isinstance(score, (tuple, list, np.ndarray)) or (score is None and self._mo):
            self._mo = True
            self._V.append(_as_values(score))
            self._y.append(math.nan)  # filled per proposal by the scalarisation
        else:
            self._V.append(None)
            self._y.append(_as_score(score))

    def _scalarize(self):
        """ParEGO: the told vectors under a fresh random weight vector."""
        rows = [i for i, v in enumerate(self._V) if v is not None]
        y = np.full(len(self._V), np.nan)
        if not rows:
            return y
        V = np.array([self._V[i] for i in rows])
        low, high = V.min(axis=0), V.max(axis=0)
        f = np.where(high > low, (high - V) / np.where(high > low, high - low, 1), 0.0)
        w = self.rng_.dirichlet(np.ones(V.shape[1]))
        y[rows] = -(np.max(w * f, axis=1) + _PAREGO_RHO * (f @ w))
        return y

    # ------------------------------------------------------------ proposal
    def _propose(self):
        return self._propose_in(self.space_)

    def _propose_fixed(self, fixed):
        # The surrogate is fitted to every result (all of the space); the
        # candidates and the local search's starting points are those of the
        # sub-space where ``fixed`` holds.
        config = self._propose_in(self.subspace(fixed), fixed)
        return config if self._is_new(config) else None

    def _propose_in(self, space, fixed=None):
        n_design = len(self.history_) + len(self.pending_)
        if n_design < self.n_initial:
            return self._random(space)
        if self._mo:
            self._y = list(self._scalarize())
        if self.cheap_proposals:
            # Asked for a cheap proposal: no surrogate fit or optimization.
            self.n_cheap_ += 1
            config = self._mutate_best(space, fixed)
            return self._random(space) if config is None else config
        try:
            # The matrices are small: threaded BLAS only adds contention
            # (4x slower on a busy 2-core machine).
            with threadpool_limits(1, user_api="blas"):
                if self._mo and self.multi_objective == "ehvi" and self._n_obj() == 2:
                    config = self._optimize_ehvi(space, fixed)
                else:
                    config = self._optimize(space, fixed)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            logger.debug("BayesianSearch: surrogate failed (%s); random draw.", exc)
            config = None
        if config is not None:
            return config
        self.n_fallbacks_ += 1
        return self._random(space)

    def _outside(self, fixed):
        """Mask of the told configurations where ``fixed`` does not hold."""
        if fixed is None:
            return np.zeros(len(self.history_), dtype=bool)
        return np.array([not _matches(c, fixed) for c, _ in self.history_], dtype=bool)

    def _mutate_best(self, space=None, fixed=None):
        """A new mutation of one of the three best results: no surrogate."""
        space = self.space_ if space is None else space
        scores = np.where(np.isfinite(self._y), self._y, -np.inf)
        told = [c for c, _ in self.history_]
        order = np.argsort(-scores, kind="stable")
        outside = self._outside(fixed)
        top = [told[i] for i in order if not outside[i]][:3]
        for _ in range(20):
            if not top:
                break
            config = mutate(space, top[self.rng_.randint(len(top))], self.rng_)
            if self._is_new(config):
                return config
        return None

    def _random(self, space=None):
        space = self.space_ if space is None else space
        for _ in range(100):
            config = space.sample(self.rng_)
            if self._is_new(config):
                return config
        return config

    def _training_set(self):
        X = np.array(self._X, dtype=float).reshape(-1, self.space_.n_dims)
        y = np.array(self._y, dtype=float)
        ok = np.isfinite(y)
        if ok.sum() < 2:
            return None
        worst = y[ok].min()
        y = np.where(ok, y, worst)  # failures look as bad as the worst result
        most = self.max_observations
        if len(y) > most:
            half = most // 2
            best = np.argsort(-y, kind="stable")[:half]
            chosen = set(best.tolist())
            recent = [i for i in range(len(y) - 1, -1, -1) if i not in chosen]
            keep = np.sort(np.r_[best, recent[: most - half]])
            X, y = X[keep], y[keep]
        if self.pending_:
            lie = {"worst": worst, "mean": y.mean(), "best": y.max()}[self.liar]
            Xp = np.array([self.space_.encode(c) for c in self.pending_.values()])
            X, y = np.vstack([X, Xp]), np.r_[y, np.full(len(Xp), lie)]
        return X, y

    def _fit(self, X, y):
        kept = np.flatnonzero(X.max(axis=0) > X.min(axis=0))
        if kept.size == 0:
            return None
        std = y.std()
        if not std > 0:
            return None
        self._y_mean, self._y_std = y.mean(), std
        yn = (y - self._y_mean) / std
        n_told = len(self._y)
        optimizer = _lbfgs
        if self._kernel is None or not np.array_equal(kept, self._kept):
            kernel = ConstantKernel(1.0, (1e-2, 1e2)) * Matern(
                length_scale=np.full(kept.size, 0.5), length_scale_bounds=(1e-2, 1e2),
                nu=2.5,
            ) + WhiteKernel(1e-2, (1e-6, 1.0))
        else:
            kernel = self._kernel
            # Hyperparameters move little between consecutive fits: re-estimate
            # them when the data grew by 10% (or 2 results); otherwise a refit is
            # one Cholesky factorization.
            if n_told < max(self._n_optimized * 1.1, self._n_optimized + 2):
                optimizer = None
        gp = GaussianProcessRegressor(kernel, normalize_y=False, optimizer=optimizer,
                                      n_restarts_optimizer=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gp.fit(X[:, kept], yn)
        if optimizer is not None:
            self._n_optimized = n_told
        self._kernel, self._kept, self.gp_ = gp.kernel_, kept, gp
        self._best = yn.max()
        return gp

    def _acquire(self, configs):
        X = np.array([self.space_.encode(c) for c in configs])[:, self._kept]
        mu, sigma = self.gp_.predict(X, return_std=True)
        sigma = np.maximum(sigma, 1e-9)
        if self.acquisition == "ucb":
            return mu + self.kappa * sigma
        z = (mu - self._best - self.xi) / sigma
        if self.acquisition == "pi":
            return norm.cdf(z)
        return (mu - self._best - self.xi) * norm.cdf(z) + sigma * norm.pdf(z)

    def _optimize(self, space=None, fixed=None):
        data = self._training_set()
        if data is None or self._fit(*data) is None:
            return None
        scores = np.where(np.isfinite(self._y), self._y, -np.inf)
        scores[self._outside(fixed)] = -np.inf
        return self._maximize(self._acquire, scores, space)

    def _n_obj(self):
        return next((len(v) for v in self._V if v is not None), 0)

    def _optimize_ehvi(self, space=None, fixed=None):
        """Expected hypervolume improvement with one GP per objective (two)."""
        rows = [i for i, v in enumerate(self._V) if v is not None]
        if len(rows) < 3:
            return None
        rows = rows[-self.max_observations:]
        X = np.array([self._X[i] for i in rows])
        V = np.array([self._V[i] for i in rows])
        kept = np.flatnonzero(X.max(axis=0) > X.min(axis=0))
        mean, std = V.mean(axis=0), V.std(axis=0)
        if kept.size == 0 or not (std > 0).all():
            return None
        Vn = (V - mean) / std
        gps = []
        for k in range(2):
            kernel = self._ehvi_kernels.get((k, tuple(kept)))
            if kernel is None:
                kernel = ConstantKernel(1.0, (1e-2, 1e2)) * Matern(
                    length_scale=np.full(kept.size, 0.5),
                    length_scale_bounds=(1e-2, 1e2), nu=2.5,
                ) + WhiteKernel(1e-2, (1e-6, 1.0))
            gp = GaussianProcessRegressor(kernel, optimizer=_lbfgs,
                                          n_restarts_optimizer=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                gp.fit(X[:, kept], Vn[:, k])
            self._ehvi_kernels[(k, tuple(kept))] = gp.kernel_
            gps.append(gp)
        self.gp_ = gps[0]
        front = Vn[pareto_mask(Vn)]
        if self.pending_:  # kriging believer: pending results at their means
            Xp = np.array([self.space_.encode(c) for c in self.pending_.values()])
            front = np.vstack([front, np.column_stack(
                [gp.predict(Xp[:, kept]) for gp in gps])])
        ref = Vn.min(axis=0) - 0.1 * (Vn.max(axis=0) - Vn.min(axis=0))
        draws = self.rng_.standard_normal((_EHVI_SAMPLES, 2))

        def acquire(configs):
            Xc = np.array([self.space_.encode(c) for c in configs])[:, kept]
            post = [gp.predict(Xc, return_std=True) for gp in gps]
            mu = np.stack([m for m, _ in post], axis=-1)
            sd = np.maximum(np.stack([s for _, s in post], axis=-1), 1e-9)
            samples = mu[:, None, :] + sd[:, None, :] * draws[None, :, :]
            return hypervolume_improvement_2d(samples, front, ref).mean(axis=1)

        scores = np.full(len(self._V), -np.inf)
        scores[rows] = -non_dominated_sort(V)
        scores[self._outside(fixed)] = -np.inf
        return self._maximize(acquire, scores, space)

    def _maximize(self, acquire, scores, space=None):
        """The best new candidate of ``space`` by ``acquire``: random ones
        plus a local search around the best of them and the best observed
        (``scores``; in a sub-space, ``-inf`` ones are not starting points)."""
        rng = self.rng_
        space = self.space_ if space is None else space
        candidates = [space.sample(rng) for _ in range(self.n_candidates)]
        values = acquire(candidates)
        # Local search from the best candidates and the best observed configs.
        told = [c for c, _ in self.history_]
        starts = [candidates[i] for i in np.argsort(-values)[:5]]
        best = np.argsort(-scores)[:3]
        if space is not self.space_:  # a sub-space: only its own results
            best = [i for i in best if scores[i] > -np.inf]
        starts += [told[i] for i in best]
        for _ in range(self.n_local):
            neighbours = [mutate(space, c, rng) for c in starts for _ in range(8)]
            if not neighbours:
                break
            nv = acquire(neighbours)
            candidates += neighbours
            values = np.r_[values, nv]
            starts = [neighbours[i] for i in np.argsort(-nv)[:5]]
        for i in np.argsort(-values, kind="stable"):
            if config_key(candidates[i]) not in self.seen_ and math.isfinite(values[i]):
                return candidates[i]
        return None
