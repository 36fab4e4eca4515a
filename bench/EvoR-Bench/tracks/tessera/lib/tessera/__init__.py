"""tessera: array, statistics, optimisation, signal and matrix helpers over NumPy and SciPy.

An EvoR-Bench track library: its API is new on purpose (renamed functions, other argument names, orders and
defaults), so a model must read its documentation to use it.
"""
from . import grid, stat, opt, wave, mat, curve, geo  # noqa: F401

__version__ = "0.3.1"
