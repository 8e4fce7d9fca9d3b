"""What this process may use of the machine."""

import joblib


def available_cores():
    """Cores this process may run on: its CPU affinity and cgroup CPU quota.

    ``os.cpu_count()`` reports the machine's cores even inside a container
    limited to two of them or under ``taskset``; sizing thread pools by it
    oversubscribes (OpenMP threads spinning on a shared core are many times
    slower). joblib's count honours both limits.
    """
    return max(1, int(joblib.cpu_count()))
