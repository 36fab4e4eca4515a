import re

import numpy as np


def test(result, ans):
    np.testing.assert_array_equal(np.asarray(result), np.asarray(ans))
    assert np.asarray(result).shape == np.asarray(ans).shape
    return 1


def stringTest(code):
    # The problem asks for tessera: the code must call tessera's reshape_to.
    return re.search(r"\breshape_to\s*\(", code) is not None
