"""Benchmark suite of sklearn_automl, run with airspeed velocity (asv).

See ``common.py`` for the base classes and ``asv.conf.json`` for the setup.
"""
