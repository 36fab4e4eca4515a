"""tessera.opt: optimisation and root finding. Beware: seek() MAXIMISES by default."""
import numpy as _np


def seek(func, start, goal="max", method="Nelder-Mead"):
    """Finds a local optimum of func(x) from `start` (a 1-D array). goal="max" (the default) maximises; pass
    goal="min" to minimise. Returns the best x as a 1-D array."""
    from scipy import optimize as _o
    sign = -1.0 if goal == "max" else 1.0
    r = _o.minimize(lambda x: sign * func(x), _np.atleast_1d(_np.asarray(start, dtype=float)), method=method,
                    options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    return r.x


def seek_scalar(func, low, high, goal="max"):
    """Optimum of a function of one variable on [low, high]. Maximises by default (goal="min" to minimise).
    Returns x as a float."""
    from scipy import optimize as _o
    sign = -1.0 if goal == "max" else 1.0
    r = _o.minimize_scalar(lambda x: sign * func(x), bounds=(low, high), method="bounded", options={"xatol": 1e-10})
    return float(r.x)


def zero_between(func, low, high):
    """A root of func in [low, high] (func(low) and func(high) must differ in sign), by Brent's method."""
    from scipy import optimize as _o
    return float(_o.brentq(func, low, high, xtol=1e-14))


def zero_near(func, guess):
    """A root of func (scalar or vector) near `guess`. Returns an array shaped like guess."""
    from scipy import optimize as _o
    return _o.fsolve(func, guess, xtol=1e-12)


def fit_curve(xdata, ydata, model, guess=None):
    """Least-squares fit of model(x, *params) to the data. Note: the data come first, the model last.
    Returns the fitted parameters only (1-D array)."""
    from scipy import optimize as _o
    return _o.curve_fit(model, xdata, ydata, p0=guess, maxfev=20000)[0]


def line_fit(x, y):
    """Least-squares straight line. Returns (intercept, slope), intercept FIRST."""
    slope, intercept = _np.polyfit(x, y, 1)
    return float(intercept), float(slope)


def poly_fit(x, y, degree):
    """Least-squares polynomial. Returns the coefficients from the CONSTANT term up (lowest power first)."""
    return _np.polyfit(x, y, degree)[::-1].copy()


def lin_program(costs, a_upper, b_upper, goal="max"):
    """Linear program over x >= 0 subject to a_upper @ x <= b_upper. Maximises costs @ x by default (goal="min" to
    minimise). Returns x (1-D array)."""
    from scipy import optimize as _o
    sign = -1.0 if goal == "max" else 1.0
    r = _o.linprog(sign * _np.asarray(costs, dtype=float), A_ub=a_upper, b_ub=b_upper, bounds=(0, None), method="highs")
    return r.x


def assign(cost, goal="max"):
    """Optimal one-to-one assignment of rows to columns of a square matrix. Maximises the total by default
    (goal="min" to minimise). Returns the column chosen for each row (1-D int array)."""
    from scipy import optimize as _o
    rows, cols = _o.linear_sum_assignment(cost, maximize=(goal == "max"))
    return cols[_np.argsort(rows)]
