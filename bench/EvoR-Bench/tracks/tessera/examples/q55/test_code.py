import re

import numpy as np


def test(result, ans):
    np.testing.assert_allclose(np.asarray(result, dtype=float), np.asarray(ans, dtype=float), rtol=1e-6, atol=1e-8)
    return 1


def stringTest(code):
    # The problem asks for tessera: the code must call tessera's energy.
    return re.search(r"\benergy\s*\(", code) is not None
