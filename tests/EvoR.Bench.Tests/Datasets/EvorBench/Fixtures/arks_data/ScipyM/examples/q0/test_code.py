import numpy as np


def test(result, ans):
    np.testing.assert_array_equal(result, ans)
    return 1


def stringTest(code):
    return 'for ' not in code
