"""tessera.mat: matrices. Beware the argument orders."""
import numpy as _np


def solve_for(rhs, matrix):
    """Solves matrix @ x = rhs for x. Note: the right-hand side comes FIRST."""
    return _np.linalg.solve(matrix, rhs)


def invert(matrix):
    """Inverse of a square matrix."""
    return _np.linalg.inv(matrix)


def det_of(matrix, log=False):
    """Determinant of a square matrix; log=True returns log(|det|) instead."""
    if log:
        return float(_np.linalg.slogdet(matrix)[1])
    return float(_np.linalg.det(matrix))


def eig_values(matrix, symmetric=True):
    """Eigenvalues. By default the matrix is taken as symmetric and the values come sorted in DESCENDING order;
    symmetric=False uses the general solver (unsorted, possibly complex)."""
    if symmetric:
        return _np.linalg.eigvalsh(matrix)[::-1].copy()
    return _np.linalg.eigvals(matrix)


def size_of(values, kind=2):
    """Vector or matrix norm; kind as NumPy's `ord` (2 by default, "fro", 1, _np.inf...)."""
    return float(_np.linalg.norm(values, ord=kind))


def times(a, b):
    """Matrix product a @ b."""
    return _np.matmul(a, b)


def outer_of(a, b):
    """Outer product of two 1-D arrays."""
    return _np.outer(a, b)


def trace_of(matrix, offset=0):
    """Sum of the diagonal (offset > 0 above it, < 0 below)."""
    return _np.trace(matrix, offset=offset)


def rank_of(matrix):
    """Numerical rank of a matrix (an int)."""
    return int(_np.linalg.matrix_rank(matrix))


def least_squares(matrix, rhs):
    """Least-squares solution x of matrix @ x ~= rhs. Returns x only."""
    return _np.linalg.lstsq(matrix, rhs, rcond=None)[0]


def band(values, offset=0):
    """Square matrix with `values` on the diagonal shifted by `offset`."""
    return _np.diag(values, k=offset)


def pair_distances(points, metric="cityblock"):
    """Matrix of distances between every pair of rows of `points`. Manhattan (cityblock) distance by default;
    metric="euclidean" for the straight-line one."""
    from scipy.spatial import distance as _d
    return _d.cdist(points, points, metric=metric)
