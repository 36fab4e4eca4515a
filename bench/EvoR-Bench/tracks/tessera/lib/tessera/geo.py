"""tessera.geo: points and shapes."""
import numpy as _np


def nearest(points, queries, k=1):
    """For every query point, the 0-based indices of its k nearest points (Euclidean). Returns an int array of shape
    (len(queries), k), nearest first."""
    from scipy.spatial import cKDTree as _T
    _, idx = _T(points).query(queries, k=k)
    return _np.asarray(idx).reshape(len(queries), k)


def hull_area(points):
    """Area of the convex hull of 2-D points."""
    from scipy.spatial import ConvexHull as _H
    return float(_H(points).volume)


def hull_corners(points):
    """0-based indices of the points on the convex hull of 2-D points, in ascending order."""
    from scipy.spatial import ConvexHull as _H
    return _np.sort(_H(points).vertices)


def polygon_area(xs, ys):
    """Area of a simple polygon given by its vertex coordinates, in order (shoelace formula; always positive)."""
    x = _np.asarray(xs, dtype=float)
    y = _np.asarray(ys, dtype=float)
    return float(abs(_np.dot(x, _np.roll(y, -1)) - _np.dot(y, _np.roll(x, -1))) / 2.0)


def centroid_of(points):
    """Mean point of a set of points (rows)."""
    return _np.asarray(points, dtype=float).mean(axis=0)


def rotate2d(points, turns):
    """Rotates 2-D points about the origin, counter-clockwise, by an angle given in TURNS (1 turn = 360 degrees)."""
    a = 2 * _np.pi * turns
    r = _np.array([[_np.cos(a), -_np.sin(a)], [_np.sin(a), _np.cos(a)]])
    return _np.asarray(points, dtype=float) @ r.T
