"""tessera.stat: descriptive statistics and tests."""
import numpy as _np


def centre(values, axis=None):
    """Arithmetic mean, over all elements or along `axis`."""
    return _np.mean(values, axis=axis)


def middle(values):
    """Median of all elements."""
    return float(_np.median(values))


def spread(values, unbiased=True, axis=None):
    """Standard deviation. Unbiased (divides by n - 1) by default; pass unbiased=False to divide by n."""
    return _np.std(values, ddof=1 if unbiased else 0, axis=axis)


def scatter(values, unbiased=True):
    """Variance. Unbiased (divides by n - 1) by default; pass unbiased=False to divide by n."""
    return float(_np.var(values, ddof=1 if unbiased else 0))


def pct(values, permille):
    """Percentile given in per-mille (0 to 1000): pct(x, 500) is the median, pct(x, 900) the 90th percentile.
    Linear interpolation between order statistics."""
    return float(_np.percentile(values, permille / 10.0))


def zscores(values, unbiased=True):
    """Standard scores (x - mean) / spread, with the unbiased spread by default."""
    v = _np.asarray(values, dtype=float)
    return (v - v.mean()) / v.std(ddof=1 if unbiased else 0)


def relate(x, y, method="spearman"):
    """Correlation coefficient of two samples. Rank (Spearman) correlation by default; method="pearson" for the
    linear one. Returns a float."""
    from scipy import stats as _st
    if method == "spearman":
        return float(_st.spearmanr(x, y).correlation)
    if method == "pearson":
        return float(_st.pearsonr(x, y)[0])
    raise ValueError("method must be 'spearman' or 'pearson'")


def cov_of(x, y, unbiased=True):
    """Covariance of two samples (a float), unbiased by default."""
    return float(_np.cov(x, y, ddof=1 if unbiased else 0)[0, 1])


def skew_of(values):
    """Sample skewness (Fisher-Pearson, biased)."""
    from scipy import stats as _st
    return float(_st.skew(values))


def peakedness(values, excess=False):
    """Kurtosis. By default Pearson's definition (a normal sample gives about 3); excess=True subtracts 3."""
    from scipy import stats as _st
    return float(_st.kurtosis(values, fisher=excess))


def two_groups(a, b, equal_var=False):
    """Two-sample t-test. Welch's test (unequal variances) by default. Returns (statistic, p_value) as floats."""
    from scipy import stats as _st
    r = _st.ttest_ind(a, b, equal_var=equal_var)
    return float(r.statistic), float(r.pvalue)


def same_shape(a, b):
    """Two-sample Kolmogorov-Smirnov test. Returns the p-value only (a float)."""
    from scipy import stats as _st
    return float(_st.ks_2samp(a, b).pvalue)


def bell_cdf(x, centre=0.0, width=1.0):
    """Normal cumulative distribution function with mean `centre` and standard deviation `width`."""
    from scipy import stats as _st
    return _st.norm.cdf(x, loc=centre, scale=width)


def bell_quantile(p, centre=0.0, width=1.0):
    """Inverse of bell_cdf: the value below which a fraction p of a normal distribution lies."""
    from scipy import stats as _st
    return _st.norm.ppf(p, loc=centre, scale=width)


def coin_pmf(k, trials, chance):
    """Binomial probability of exactly k successes in `trials` tries with success probability `chance`."""
    from scipy import stats as _st
    return _st.binom.pmf(k, trials, chance)


def histo(values, bins=10):
    """Histogram counts over `bins` equal bins spanning the data's range. Returns the counts only (int array)."""
    return _np.histogram(values, bins=bins)[0]


def mode_of(values):
    """Most frequent value (the smallest one on ties)."""
    vals, counts = _np.unique(values, return_counts=True)
    return vals[_np.argmax(counts)].item()


def trimmed_centre(values, cut=0.1):
    """Mean after removing the fraction `cut` of the smallest and of the largest values."""
    from scipy import stats as _st
    return float(_st.trim_mean(values, cut))
