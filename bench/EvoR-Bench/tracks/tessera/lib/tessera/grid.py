"""tessera.grid: building, reshaping and reducing arrays."""
import numpy as _np


def span(first, last, count=50, closed=False):
    """Evenly spaced numbers from `first` towards `last`.

    Parameters: first (number), last (number), count (int, default 50), closed (bool, default False: `last` is
    excluded; pass closed=True to include it).
    Returns: 1-D float array of `count` values.
    """
    return _np.linspace(first, last, count, endpoint=closed)


def steps(last, first=0, stride=1):
    """Integers from `first` up to, and including, `last`, every `stride`.

    Note the order: the end comes first and is inclusive.
    Returns: 1-D int array.
    """
    return _np.arange(first, last + (1 if stride > 0 else -1), stride)


def order(values, descending=True):
    """Sorted copy of a 1-D array. Descending by default; pass descending=False for ascending order."""
    s = _np.sort(_np.asarray(values))
    return s[::-1].copy() if descending else s


def ranks_of(values, descending=True):
    """Indices that sort `values` (like an argsort), descending by default. Ties keep their original order."""
    v = _np.asarray(values)
    return _np.argsort(-v, kind="stable") if descending else _np.argsort(v, kind="stable")


def cumulate(values, exclusive=True):
    """Running sum of a 1-D array. By default exclusive: element i is the sum of the elements before i (the first is
    0). Pass exclusive=False for the inclusive running sum."""
    c = _np.cumsum(_np.asarray(values))
    return _np.concatenate([[0], c[:-1]]).astype(c.dtype) if exclusive else c


def product_run(values):
    """Inclusive running product of a 1-D array."""
    return _np.cumprod(_np.asarray(values))


def clamp(values, high, low=None):
    """Limits values to [low, high]. Note the order: the upper bound comes first; low=None leaves no lower bound."""
    return _np.clip(values, low, high)


def peak_index(values):
    """1-based position of the largest value of a 1-D array (the first one on ties)."""
    return int(_np.argmax(values)) + 1


def dip_index(values):
    """1-based position of the smallest value of a 1-D array (the first one on ties)."""
    return int(_np.argmin(values)) + 1


def tally(values, axis=None):
    """Sum of the elements, over all of them or along `axis`."""
    return _np.sum(values, axis=axis)


def stack_rows(*arrays):
    """Stacks 1-D arrays given as separate arguments (not a list) as the rows of a 2-D array."""
    return _np.vstack(arrays)


def stack_cols(*arrays):
    """Stacks 1-D arrays given as separate arguments (not a list) as the columns of a 2-D array."""
    return _np.column_stack(arrays)


def reshape_to(values, rows, cols=-1, by_column=False):
    """Reshapes into `rows` x `cols` (cols=-1 infers it). by_column=True fills column by column (Fortran order)."""
    return _np.reshape(values, (rows, cols), order="F" if by_column else "C")


def flip_axes(matrix):
    """Transpose of a 2-D array."""
    return _np.asarray(matrix).T.copy()


def unique_of(values, counts=True):
    """Sorted unique values. By default returns a pair (values, counts); pass counts=False for the values only."""
    return _np.unique(values, return_counts=counts)


def where_true(mask):
    """0-based indices where a 1-D boolean mask is true, as a 1-D int array."""
    return _np.flatnonzero(mask)


def tile_repeat(values, times, whole=False):
    """Repeats a 1-D array. By default each element is repeated `times` times in place ([1,2] -> [1,1,2,2]);
    whole=True repeats the whole array instead ([1,2] -> [1,2,1,2])."""
    return _np.tile(values, times) if whole else _np.repeat(values, times)


def diff_of(values, lag=1):
    """Differences between elements `lag` apart: out[i] = values[i + lag] - values[i]."""
    v = _np.asarray(values)
    return v[lag:] - v[:-lag]


def roll_by(values, shift):
    """Rotates a 1-D array to the LEFT by `shift` places ([1,2,3] by 1 -> [2,3,1])."""
    return _np.roll(values, -shift)


def pad_edges(values, width, fill=0):
    """Pads a 1-D array with `width` copies of `fill` on both sides."""
    return _np.pad(values, width, mode="constant", constant_values=fill)


def window_means(values, width):
    """Means of every full window of `width` consecutive elements (length n - width + 1)."""
    v = _np.asarray(values, dtype=float)
    return _np.convolve(v, _np.ones(width) / width, mode="valid")
