"""
=====================================
Running trials on a Dask cluster
=====================================

``n_jobs=k`` runs ``k`` trials at once in local worker processes. Beyond
one machine, trials run on a Dask cluster: pass a
``dask.distributed.Client`` as ``executor`` (as many trials run at once as
the cluster has threads; a :class:`~sklearn_automl.DaskExecutor` wrapping
the client sets another number). The data is
sent to the workers once and each trial is one task; the search loop, which
decides what to run next, stays in this process. This example starts a
``LocalCluster`` of two single-threaded worker processes; a real cluster's
client is used the same way. It needs the ``dask`` extra.

Dask starts its worker processes with ``spawn``, which imports the script
that started them again: a *script* that starts a ``LocalCluster`` keeps
its work under ``if __name__ == "__main__":``, as below (a notebook does
not need to).
"""

# %%
from dask.distributed import Client, LocalCluster
from sklearn.datasets import load_breast_cancer

from sklearn_automl import AutoMLClassifier

if __name__ == "__main__":
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    # twelve trials, two at a time
    clf = AutoMLClassifier(time_budget=None, max_trials=12, executor=client,
                           random_state=0)
    clf.fit(X, y)
    print(f"{clf.n_trials_} trials on {len(client.scheduler_info()['workers'])} "
          f"workers, best {clf.best_family_} {clf.best_score_:.4f}")

    # Two trials ran at a time: their durations add up to more than the
    # search's wall-clock time.
    busy = sum(t.duration for t in clf.history_.trials)
    print(f"trial time {busy:.1f}s in {clf.phase_times_['search']:.1f}s of search")

    # The fitted search holds no connection to the cluster: it pickles and
    # predicts without it.
    client.close()
    cluster.close()
    print(clf.predict(X.iloc[:5]))
