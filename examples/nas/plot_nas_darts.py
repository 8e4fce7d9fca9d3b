"""
================================================
Differentiable architecture search of a CNN cell
================================================

With ``strategy="darts"`` on images, :class:`~sklearn_automl.nas.NASClassifier`
trains a supernet whose every cell edge mixes all operations with softmax
weights, alternating weight and architecture updates (first-order DARTS),
keeps the strongest operation of each node and retrains the derived
network. The digits are 8x8 images.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_automl.nas import CELL_OPS, NASClassifier

X, y = load_digits(return_X_y=True)
X = X.reshape(-1, 8, 8)  # (N, H, W): read as one-channel images
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

nas = NASClassifier(strategy="darts", max_epochs=4, time_budget=15, random_state=0)
nas.fit(X_train, y_train)
print("derived cell:", nas.best_params_["cell"])
print(f"test accuracy {nas.score(X_test, y_test):.3f}")

# %%
# The architecture weights, one row per edge (node <- input)
# ----------------------------------------------------------
alpha = nas.darts_alpha_
weights = np.exp(alpha) / np.exp(alpha).sum(axis=1, keepdims=True)
edges = [f"node {k} <- {j}" for k in range(3) for j in range(k + 1)]
fig, ax = plt.subplots(figsize=(7, 3))
ax.imshow(weights, cmap="viridis")
ax.set_xticks(range(len(CELL_OPS)), CELL_OPS, rotation=45, ha="right")
ax.set_yticks(range(len(edges)), edges)
ax.set_title("softmax(alpha)")
fig.tight_layout()
