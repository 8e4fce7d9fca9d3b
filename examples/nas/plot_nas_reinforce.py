"""
==============================================
REINFORCE: an LSTM controller learns to search
==============================================

With ``strategy="reinforce"``, an LSTM controller emits the architecture
decisions one after the other and is trained by policy gradient on the
held-out score, with a moving-average baseline. The controller is an
ordinary searcher (:class:`~sklearn_automl.nas.ReinforceSearch`); here it
first learns a toy reward, then searches networks for the digits.
"""

# %%
# The controller on a toy reward
# ------------------------------
# Five decisions of six values each; the reward is their sum. The mean
# reward of the proposals rises as the policy learns.
import numpy as np
from sklearn.datasets import load_digits

from sklearn_automl.nas import NASClassifier, ReinforceSearch
from sklearn_automl.space import Categorical, SearchSpace

space = SearchSpace({name: Categorical(list(range(6))) for name in "abcde"})
controller = ReinforceSearch(space, random_state=0)
rewards = []
for _ in range(60):
    config = controller.ask()
    rewards.append(sum(config.values()))
    controller.tell(config, rewards[-1])
print("mean reward, first 20:", np.mean(rewards[:20]), " last 20:", np.mean(rewards[-20:]))

# %%
# Searching networks
# ------------------
X, y = load_digits(return_X_y=True)
nas = NASClassifier(strategy="reinforce", max_trials=8, max_epochs=10,
                    time_budget=None, random_state=0).fit(X, y)
print("baseline after the search:", round(nas.searcher_.baseline_, 3))

# %%
# Each trial is a :class:`~sklearn_automl.TrialResult` in ``history_.trials``:
# its ``config`` holds the controller's decisions (``"mlp_net__<decision>"``)
# and ``mean_score`` the held-out accuracy it was rewarded with.
[(t.trial_id, t.config["mlp_net__n_blocks"], round(t.mean_score, 3))
 for t in nas.history_.trials]
