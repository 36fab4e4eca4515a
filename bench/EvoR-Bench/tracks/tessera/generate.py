#!/usr/bin/python3
"""Generates the tessera track deterministically: docs/, examples/, references/, naive/, dataset.json.

Run with Debian's python3 (python3-numpy, python3-scipy), from anywhere:  /usr/bin/python3 generate.py
The answers are what the reference solutions compute with lib/tessera on the generated inputs; the generated files
are committed, so this only needs rerunning after a change to lib/, problems.py or this script.
"""
import inspect
import json
import os
import pickle
import re
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)
import tessera as ts  # noqa: E402
from problems import PROBLEMS  # noqa: E402

CASES = 3
MODULES = ["grid", "stat", "opt", "wave", "mat", "curve", "geo"]

CONTEXT = """import argparse
import pickle
import numpy as np
import tessera as ts

parser = argparse.ArgumentParser()
parser.add_argument("--test_case", type=int, default=1)
args = parser.parse_args()
data = pickle.load(open(f"input/input{args.test_case}.pkl", "rb"))
%s
[insert]
pickle.dump(result, open("result/result_{}.pkl".format(args.test_case), "wb"))
"""

TEST_CODE = """import re

import numpy as np


def test(result, ans):
    %s
    return 1


def stringTest(code):
    # The problem asks for tessera: the code must call tessera's %s.
    return re.search(r"\\b%s\\s*\\(", code) is not None
"""

CLOSE = "np.testing.assert_allclose(np.asarray(result, dtype=float), np.asarray(ans, dtype=float), rtol=1e-6, atol=1e-8)"
EXACT = "np.testing.assert_array_equal(np.asarray(result), np.asarray(ans))\n    assert np.asarray(result).shape == np.asarray(ans).shape"

INSTRUCTIONS = {
    "gpt": "Write the Python code that replaces [insert] in the program above, using the tessera library (imported as ts). "
           "It must leave the answer in a variable named `result`. Reply with the code only.",
    "codellama": "[INST] Complete the code at [insert] with tessera (as ts); store the answer in `result`. [/INST]",
    "starchat": "<|user|>Complete the code at [insert] with tessera (as ts); store the answer in `result`.<|end|>",
}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def dump(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=4)


def functions(module):
    return [(name, f) for name, f in vars(module).items() if inspect.isfunction(f) and not name.startswith("_")]


def api_page(module_name, name, func):
    doc = inspect.cleandoc(func.__doc__ or "")
    siblings = ", ".join("`%s`" % n for n, _ in functions(getattr(ts, module_name)) if n != name)
    return ("# tessera.%s.%s\n\n```python\ntessera.%s.%s%s\n```\n\n%s\n\n## Usage\n\n```python\nimport tessera as ts\n"
            "value = ts.%s.%s(...)\n```\n\n## See also\n\nOther functions of `tessera.%s`: %s.\n"
            % (module_name, name, module_name, name, inspect.signature(func), doc, module_name, name, module_name, siblings))


DISTRACTORS = {
    "changelog.md": """# Changelog

## 0.3.1
- Documentation fixes. `tessera.geo.rotate2d` documents that angles are in turns.

## 0.3.0
- **Breaking:** `opt.seek`, `opt.seek_scalar`, `opt.lin_program` and `opt.assign` now maximise by default
  (`goal="max"`). Pass `goal="min"` for the old behaviour.
- **Breaking:** `stat.relate` uses rank correlation by default.
- New: `geo` module.

## 0.2.0
- `grid.order` and `grid.ranks_of` sort in descending order by default.
- `grid.cumulate` became exclusive by default.

## 0.1.0
- First release.
""",
    "install.md": """# Installing tessera

tessera is pure Python over NumPy (>= 1.21) and SciPy (>= 1.7). Debian's `python3-numpy` and `python3-scipy`
work. Put `lib/` on `PYTHONPATH` or copy `lib/tessera` into `site-packages`:

```sh
export PYTHONPATH=/path/to/tessera/lib:$PYTHONPATH
python3 -c "import tessera; print(tessera.__version__)"
```

## Troubleshooting
- `ModuleNotFoundError: No module named 'scipy'`: install SciPy; tessera imports it lazily, inside the functions.
""",
    "faq.md": """# Frequently asked questions

## Why another array library?
tessera names things the way its authors like. It is a thin layer: every function calls NumPy or SciPy.

## Is tessera thread-safe?
As thread-safe as NumPy and SciPy are.

## Does tessera support GPUs?
No.

## How do I cite tessera?
Please cite the repository.

## Where do I report a bug?
Open an issue with a minimal example and the output of `python3 -c "import tessera, numpy, scipy; print(tessera.__version__, numpy.__version__, scipy.__version__)"`.
""",
    "contributing.md": """# Contributing

1. Fork, branch, write a test, open a pull request.
2. Code style: PEP 8, 120 columns, NumPy-style docstrings.
3. Every public function gets a page in `docs/`.
""",
    "license.md": """# License

tessera and its documentation are released under the MIT License (see the EvoR repository's licence).
""",
}


def module_page(module_name):
    module = getattr(ts, module_name)
    lines = ["# tessera.%s\n" % module_name, inspect.cleandoc(module.__doc__ or ""), "", "## Functions", ""]
    for name, func in functions(module):
        summary = inspect.cleandoc(func.__doc__ or "").split("\n")[0]
        lines.append("- `%s%s`: %s" % (name, inspect.signature(func), summary))
    return "\n".join(lines) + "\n"


def run_solution(code, variables):
    scope = {"np": np, "ts": ts}
    scope.update(variables)
    exec(code, scope)  # noqa: S102 - the track's own reference solutions, at authoring time
    return scope["result"]


def main():
    for sub in ("docs", "examples", "references", "naive"):
        shutil.rmtree(os.path.join(HERE, sub), ignore_errors=True)

    pages = {}
    for module_name in MODULES:
        pages["%s.md" % module_name] = module_page(module_name)
        for name, func in functions(getattr(ts, module_name)):
            pages["%s.%s.md" % (module_name, name)] = api_page(module_name, name, func)
    pages.update(DISTRACTORS)
    for name, text in pages.items():
        write(os.path.join(HERE, "docs", name), text)

    for i, p in enumerate(PROBLEMS):
        qid = "q%d" % i
        q = os.path.join(HERE, "examples", qid)
        module_name, func_name = p["api"].split(".")
        assert hasattr(getattr(ts, module_name), func_name), p["api"]
        first = p["inputs"](np.random.default_rng(1000 * i + 1))
        unpack = "\n".join('%s = data["%s"]' % (k, k) for k in first)
        given = ", ".join("`%s`" % k for k in first)
        write(os.path.join(q, "example.json"), json.dumps({
            "problem_description": "%s\n\nThe program has already loaded %s." % (p["description"], given),
            "instructions": INSTRUCTIONS,
        }, indent=2) + "\n")
        write(os.path.join(q, "code_context.txt"), CONTEXT % unpack)
        write(os.path.join(q, "test_code.py"), TEST_CODE % (EXACT if p["exact"] else CLOSE, func_name, func_name))
        page = "%s.md" % p["api"]
        write(os.path.join(q, "documentation.txt"), "Document 1: %s\n%s" % (page, pages[page]))
        for n in range(1, CASES + 1):
            variables = p["inputs"](np.random.default_rng(1000 * i + n))
            dump(os.path.join(q, "input", "input%d.pkl" % n), variables)
            dump(os.path.join(q, "ans", "ans%d.pkl" % n), run_solution(p["reference"], variables))
        write(os.path.join(HERE, "references", qid + ".txt"), p["reference"] + "\n")
        write(os.path.join(HERE, "naive", qid + ".txt"), p["naive"] + "\n")

    write(os.path.join(HERE, "dataset.json"), json.dumps({
        "name": "tessera", "language": "python", "layout": "python", "comparison": "test-code", "libraries": ["lib/tessera"],
    }, indent=2) + "\n")
    print("%d docs pages, %d problems" % (len(pages), len(PROBLEMS)))


if __name__ == "__main__":
    main()
