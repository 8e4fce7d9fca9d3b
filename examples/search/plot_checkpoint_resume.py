"""
=====================================
Checkpointing and resuming a search
=====================================

With ``checkpoint=folder``, every finished trial is appended to a log in
that folder (flushed to disk before the next one starts), so a search that
is interrupted (a crash, a killed job, a laptop lid) can be resumed: fit the
same estimator on the same data with the same folder again, and the logged
trials are replayed into the searcher instead of being run again. The same
mechanism extends a finished search with more trials.
"""

# %%
# A first search of 5 trials
# --------------------------
import json
import tempfile
from pathlib import Path

from sklearn.datasets import load_breast_cancer

from sklearn_automl import AutoMLClassifier

X, y = load_breast_cancer(return_X_y=True, as_frame=True)
folder = Path(tempfile.mkdtemp()) / "search"

first = AutoMLClassifier(time_budget=None, max_trials=5, checkpoint=folder,
                         random_state=0).fit(X, y)
print(first.n_trials_, "trials, best", first.best_family_, f"{first.best_score_:.4f}")
sorted(p.name for p in folder.iterdir())

# %%
# ``summary.json`` is replaced atomically after each trial: a quick look at a
# running search from another process.
print(json.dumps(json.loads((folder / "summary.json").read_text())["best"], indent=1))

# %%
# Resume with a larger budget
# ---------------------------
# The 5 logged trials are replayed (not re-run): the searcher is in the state
# it had, and the search goes on to 10 trials. ``finished_at`` shows the
# difference: the replayed trials were recorded at once.
resumed = AutoMLClassifier(time_budget=None, max_trials=10, checkpoint=folder,
                           random_state=0).fit(X, y)
print(resumed.n_trials_, "trials")
[(t.trial_id, t.family, round(t.mean_score, 4), round(t.finished_at, 2))
 for t in resumed.history_.trials]

# %%
# The first five trials are the same in both searches.
same = [a.config == b.config and a.mean_score == b.mean_score
        for a, b in zip(first.history_.trials, resumed.history_.trials)]
print(all(same))
