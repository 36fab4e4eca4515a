"""tessera.wave: signals and filters."""
import numpy as _np


def smooth(values, width=3):
    """Median filter of a 1-D signal with an odd window `width`; the edges are padded with zeros."""
    from scipy import signal as _s
    return _s.medfilt(_np.asarray(values, dtype=float), width)


def spectrum(values):
    """Magnitudes of the discrete Fourier transform of a real 1-D signal, non-negative frequencies only
    (length n // 2 + 1)."""
    return _np.abs(_np.fft.rfft(values))


def cosine_transform(values, norm="ortho"):
    """Type-II discrete cosine transform, orthonormal by default (norm=None for SciPy's unnormalised one)."""
    from scipy import fft as _f
    return _f.dct(_np.asarray(values, dtype=float), type=2, norm=norm)


def peaks_in(values, height=None):
    """0-based indices of the local maxima of a 1-D signal, optionally only those at least `height` high."""
    from scipy import signal as _s
    return _s.find_peaks(values, height=height)[0]


def blend(a, b, mode="same"):
    """Convolution of two 1-D arrays. By default the output has the length of `a` ("same"); "full" or "valid" as in
    NumPy."""
    return _np.convolve(a, b, mode=mode)


def decimate_by(values, factor):
    """Keeps every `factor`-th sample, starting with the LAST one and keeping the original order."""
    v = _np.asarray(values)
    return v[::-1][::factor][::-1].copy()


def energy(values):
    """Sum of squares of a signal."""
    v = _np.asarray(values, dtype=float)
    return float(_np.dot(v, v))
