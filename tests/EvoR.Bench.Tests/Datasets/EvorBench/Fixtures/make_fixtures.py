#!/usr/bin/python3
"""Writes the tiny hand-made EvoR-Bench fixtures (arks_data/{ScipyM,TensorflowM,Pony,Ring}) in the released layout.

Run once at authoring time with Debian's python3 (numpy needed); the output is committed, pickles included.
Deterministic: pickle protocol 4, fixed data.
"""
import json
import os
import pickle
import shutil

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "arks_data")

PY_CONTEXT = """import argparse
import pickle
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--test_case", type=int, default=1)
args = parser.parse_args()
a = pickle.load(open(f"input/input{args.test_case}.pkl", "rb"))
[insert]
pickle.dump(result, open("result/result_{}.pkl".format(args.test_case), "wb"))
"""


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


def dump(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=4)


def example(folder, description):
    write(os.path.join(folder, "example.json"), json.dumps({
        "problem_description": description,
        "instructions": {
            "gpt": "Write the code that replaces [insert]. Reply with code only.",
            "codellama": "[INST] Complete the code. [/INST]",
            "starchat": "<|user|>Complete the code.<|end|>",
        },
    }, indent=2) + "\n")


def docs(task, pages):
    for name, text in pages.items():
        write(os.path.join(ROOT, task, "docs", name), text)
    write(os.path.join(ROOT, task, "docs", "notes.txt"), "not a .md file: skipped by the loader\n")


def python_task(task, lib):
    long_page = "# %s.cumulative\n\n" % lib + "".join(
        "## Section %d\n\nThe cumulative sum of an array, section %d, explained at length. " % (i, i) * 3 + "\n\n" for i in range(40))
    docs(task, {"cumulative.md": long_page, "scale.md": "# %s.scale\n\n## Example\n\n>>> %s.scale(a, 2)\n" % (lib, lib)})
    ex = os.path.join(ROOT, task, "examples")
    # q0: two cases, a stringTest, gold docs.
    q0 = os.path.join(ex, "q0")
    example(q0, "Double every element of the array `a` and store it in `result`.")
    write(os.path.join(q0, "code_context.txt"), PY_CONTEXT)
    write(os.path.join(q0, "test_code.py"), "import numpy as np\n\n\ndef test(result, ans):\n    np.testing.assert_array_equal(result, ans)\n    return 1\n\n\ndef stringTest(code):\n    return 'for ' not in code\n")
    write(os.path.join(q0, "documentation.txt"), "Document 1: %s.scale\nscale(a, factor) multiplies every element.\n" % lib)
    for n, a in ((1, np.arange(4)), (2, np.array([[1.5, -2.0], [0.0, 3.0]]))):
        dump(os.path.join(q0, "input", "input%d.pkl" % n), a)
        dump(os.path.join(q0, "ans", "ans%d.pkl" % n), a * 2)
    # q1: one case only (ans2 missing though input2 exists would be an error, so no input2), extra files ignored.
    q1 = os.path.join(ex, "q1")
    example(q1, "Sum the array `a` into `result`.")
    write(os.path.join(q1, "code_context.txt"), PY_CONTEXT)
    write(os.path.join(q1, "test_code.py"), "def test(result, ans):\n    return 1 if abs(result - ans) < 1e-9 else 0\n")
    write(os.path.join(q1, "reference_code.txt"), "copied along, never read\n")
    dump(os.path.join(q1, "input", "input1.pkl"), np.array([1.0, 2.0, 3.5]))
    dump(os.path.join(q1, "ans", "ans1.pkl"), 6.5)
    # q10: zero test cases (passes unless stringTest fails), sorts before q2 as a string.
    q10 = os.path.join(ex, "q10")
    example(q10, "Nothing to test.")
    write(os.path.join(q10, "code_context.txt"), PY_CONTEXT)
    write(os.path.join(q10, "test_code.py"), "def test(result, ans):\n    return 1\n")
    q2 = os.path.join(ex, "q2")
    example(q2, "Negate `a`.")
    write(os.path.join(q2, "code_context.txt"), PY_CONTEXT)
    write(os.path.join(q2, "test_code.py"), "import numpy as np\n\n\ndef test(result, ans):\n    return bool(np.allclose(result, ans))\n")
    dump(os.path.join(q2, "input", "input1.pkl"), np.array([1, -2]))
    dump(os.path.join(q2, "ans", "ans1.pkl"), np.array([-1, 2]))
    # Not a problem: does not start with "q".
    write(os.path.join(ex, "README"), "ignored\n")
    os.makedirs(os.path.join(ex, "extra"), exist_ok=True)
    write(os.path.join(ex, "extra", "note.txt"), "a folder not starting with q is no problem\n")


def stdio_task(task, context, cases, pages):
    docs(task, pages)
    for qid, (description, pairs) in cases.items():
        q = os.path.join(ROOT, task, "examples", qid)
        example(q, description)
        write(os.path.join(q, "code_context.txt"), context)
        write(os.path.join(q, "documentation.txt"), "Document 1\nThe %s standard library.\n" % task)
        for n, (inp, ans) in enumerate(pairs, 1):
            write(os.path.join(q, "inputs", "input%d.txt" % n), inp)
            write(os.path.join(q, "ans", "ans%d.txt" % n), ans)


def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    python_task("ScipyM", "newScience")
    python_task("TensorflowM", "jumptensor")
    with open(os.path.join(ROOT, "TensorflowM", "examples", "q0", "code_context.txt"), "w") as f:
        f.write(PY_CONTEXT.replace("import numpy as np\n", "import numpy as np\nimport jumptensor as jt\n"))
    stdio_task("Pony", "use \"files\"\n\nactor Main\n  new create(env: Env) =>\n    [insert]\n", {
        "q0": ("Print pi read from input.txt.", [("3.14159\n", "3.14159\n"), ("2\n", "2.004")]),
        "q1": ("Print the words.", [("a  b\n", "hello  world\nagain\n")]),
        "q2": ("Nothing to test.", []),
    }, {"builtin-string.md": "# String\n\n```pony\nlet s: String = \"hi\"\n```\n\nStrings are immutable.\n"})
    stdio_task("Ring", "load \"stdlib.ring\"\ninput = getString()\n[insert]\nwrite(\"outputs/output.txt\", string(answer))\n", {
        "q0": ("Is the input positive?", [("5\n", "true"), ("-1\n", "false")]),
        "q1": ("Print the square root.", [("2\n", "1.414214"), ("0\n", "0")]),
        "q2": ("Echo the word.", [("ring\n", "ring\n")]),
    }, {"strings.md": "# Strings\n\nText before.\n\nExample\n\n    see \"hi\"\n"})


if __name__ == "__main__":
    main()
