import numpy as np


def test(result, ans):
    return bool(np.allclose(result, ans))
