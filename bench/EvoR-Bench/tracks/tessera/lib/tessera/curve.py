"""tessera.curve: interpolation, integration and differential equations."""
import numpy as _np


def between(x_known, y_known, x_new):
    """Piecewise-linear interpolation of (x_known, y_known) at x_new. Outside the known range it EXTRAPOLATES the end
    segments (unlike NumPy's interp, which holds the end values)."""
    from scipy import interpolate as _i
    return _i.interp1d(x_known, y_known, kind="linear", fill_value="extrapolate")(x_new)


def smooth_between(x_known, y_known, x_new):
    """Cubic-spline interpolation (natural boundary conditions) of (x_known, y_known) at x_new."""
    from scipy import interpolate as _i
    return _i.CubicSpline(x_known, y_known, bc_type="natural")(x_new)


def area(func, low, high):
    """Definite integral of func from low to high (adaptive quadrature). Returns the value only (a float)."""
    from scipy import integrate as _q
    return float(_q.quad(func, low, high, epsabs=1e-12, epsrel=1e-12)[0])


def area_samples(y, x=None, step=1.0):
    """Trapezoidal integral of samples y (at x, else evenly `step` apart)."""
    y = _np.asarray(y, dtype=float)
    if x is None:
        return float(_np.sum((y[1:] + y[:-1]) / 2.0) * step)
    x = _np.asarray(x, dtype=float)
    return float(_np.sum((y[1:] + y[:-1]) / 2.0 * _np.diff(x)))


def evolve(rate, start, times):
    """Solves dy/dt = rate(y, t) (note: y first, then t) from y(times[0]) = start. Returns y at every time, one row
    per time."""
    from scipy import integrate as _q
    return _q.odeint(rate, start, times, rtol=1e-10, atol=1e-12)


def slope_at(func, x, h=1e-5):
    """Central-difference derivative of func at x."""
    return (func(x + h) - func(x - h)) / (2 * h)
