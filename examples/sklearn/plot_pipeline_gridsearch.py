"""
=========================================================
An AutoML estimator inside Pipeline and GridSearchCV
=========================================================

:class:`~sklearn_automl.AutoMLClassifier` follows scikit-learn's estimator
contract: ``__init__`` only stores its parameters, ``fit`` does the work,
``clone`` gives an unfitted copy. So it can be the last step of a
``Pipeline``, be cross-validated by ``cross_val_score`` and have its own
parameters tuned by ``GridSearchCV``. The searches here are bounded by
``max_trials`` (``time_budget=None``), so they are reproducible.
"""

# %%
# A pipeline with a search as its last step
# -----------------------------------------
from sklearn.datasets import load_wine
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_automl import AutoMLClassifier

X, y = load_wine(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

automl = AutoMLClassifier(time_budget=None, max_trials=4, cv=3,
                          estimators=["linear", "lightgbm", "knn"], random_state=0)
pipe = make_pipeline(StandardScaler(), PCA(n_components=6), automl)
pipe.fit(X_train, y_train)
print(f"test accuracy {pipe.score(X_test, y_test):.3f}")
pipe

# %%
# Cross-validating the whole search
# ---------------------------------
# Each outer fold clones the pipeline, so each runs its own search.
scores = cross_val_score(pipe, X_train, y_train, cv=3)
print("outer-fold accuracy", scores.round(3))

# %%
# Tuning the search's own parameters
# ----------------------------------
# ``automlclassifier__ensemble_size`` is an ordinary nested parameter: with
# 0 the search returns its best single pipeline, with 10 a weighted ensemble.
grid = GridSearchCV(
    pipe,
    {"automlclassifier__ensemble_size": [0, 10],
     "pca__n_components": [4, 8]},
    cv=3,
).fit(X_train, y_train)
print("best:", grid.best_params_, f"{grid.best_score_:.3f}")

# %%
# The refit pipeline's search is a fitted AutoML estimator like any other.
grid.best_estimator_[-1].leaderboard_[["family", "mean_score", "weight"]].head()
