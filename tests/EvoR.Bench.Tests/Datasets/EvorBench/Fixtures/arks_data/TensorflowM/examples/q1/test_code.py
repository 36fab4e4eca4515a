def test(result, ans):
    return 1 if abs(result - ans) < 1e-9 else 0
