"""
=============================================
Neural networks as scikit-learn estimators
=============================================

:class:`~sklearn_automl.nas.MLPNetClassifier` builds a multilayer perceptron
from plain constructor parameters and trains it with skorch (AdamW, cosine
learning rate, early stopping, gradient clipping). Because every
architecture choice is a parameter, scikit-learn's own tools search it. We
also read the cost estimates and the measured latency of the fitted net.
"""

# %%
# A network on a table
# --------------------
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, train_test_split

from sklearn_automl.nas import MLPNetClassifier, count_params, estimate_flops

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

net = MLPNetClassifier(n_blocks=3, width=128, width_decay=0.5, block="residual",
                       activation="gelu", max_epochs=40, random_state=0)
net.fit(X_train, y_train)
print(f"test accuracy {net.score(X_test, y_test):.3f} after {net.n_epochs_} epochs")

# %%
# Costs: estimated from the description, measured after fit
# ----------------------------------------------------------
arch = net.architecture()
print(arch)
print("parameters", count_params(arch, X.shape[1], 2), "=", net.n_params_)
print("FLOPs per sample", estimate_flops(arch, X.shape[1], 2))
print(f"latency {1e6 * net.latency_per_sample_:.1f} us per sample on {net.device_}, "
      f"peak memory {net.peak_memory_ / 1024:.0f} KiB")

# %%
# The architecture is searchable by plain scikit-learn
# ----------------------------------------------------
grid = GridSearchCV(
    MLPNetClassifier(max_epochs=20, random_state=0),
    {"n_blocks": [1, 3], "block": ["plain", "residual"]},
    cv=3,
).fit(X_train, y_train)
grid.best_params_
