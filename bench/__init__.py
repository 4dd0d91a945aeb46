"""Benchmark of the engine against pip on real requirement sets.

Run with `python -m bench`; see `bench/__main__.py`. Not a timed test: it measures, it does not
assert speed.
"""
