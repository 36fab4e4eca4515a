# EvoR-Bench Python-layout driver: scores one problem of the Scipy-M / Tensorflow-M layout entirely inside the
# sandbox, exactly as the released eval/ScipyM.py does, and prints one machine-readable line per event.
# The service prepends "PAYLOAD = '<base64 JSON>'"; the per-run nonce arrives on stdin (never in this file, so a
# program that reads the driver's source cannot forge its verdict lines).
import os

# One BLAS/OpenMP thread per process: a pool of threads per core would count against the sandbox's process limit.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import base64  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

P = json.loads(base64.b64decode(PAYLOAD))  # noqa: F821 (prepended)
NONCE = sys.stdin.readline().strip()
OUT = sys.stdout


def emit(event):
    OUT.write("\nevor-bench:" + NONCE + ":" + json.dumps(event) + "\n")
    OUT.flush()


def tail(text, limit=2000):
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return text if len(text) <= limit else "..." + text[-limit:]


def place(root, files):
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


base = os.getcwd()
root = os.path.join(base, "problem")
lib = os.path.join(base, "lib")
place(root, P["files"])
place(lib, P["libraries"])
with open(os.path.join(root, "program.py"), "w", encoding="utf-8") as f:
    f.write(P["program"])
for d in ("result", "logs", "e_outputs"):
    os.makedirs(os.path.join(root, d), exist_ok=True)

env = dict(os.environ)
env["PYTHONPATH"] = lib + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
env["CUDA_VISIBLE_DEVICES"] = "-1"
env["TF_CPP_MIN_LOG_LEVEL"] = "3"

# 1. Run every case: python program.py --test_case N, in the problem folder, stdout to e_outputs/out<N>.
syntax_correct = True
timed_out = False
for n in P["cases"]:
    with open(os.path.join(root, "e_outputs", "out%d" % n), "wb") as out:
        try:
            run = subprocess.run([sys.executable, "program.py", "--test_case", str(n)], cwd=root, env=env,
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE, timeout=P["caseTimeout"])
            code, err, late = run.returncode, run.stderr, False
        except subprocess.TimeoutExpired as e:
            code, err, late = 1, (e.stderr or b"") + b"\ntimed out after %d seconds" % P["caseTimeout"], True
    if code != 0:
        syntax_correct = False
        timed_out = timed_out or late
    emit({"event": "run", "case": n, "exitCode": code, "timedOut": late, "stderr": tail(err) if code != 0 else ""})

# 2. Score as the released harness: stringTest(code) when test_code.py holds "\ndef stringTest(", then
#    test(result, expected) == 1 for i = 1..N, stopping at the first failure.
os.chdir(root)
sys.path.insert(0, lib)
passed, first, reason = True, None, None
try:
    spec = importlib.util.spec_from_file_location("test_code", os.path.join(root, "test_code.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["test_code"] = module
    spec.loader.exec_module(module)
except BaseException as e:  # noqa: B036 - a test_code import that fails is the problem's failure, not ours
    passed, reason = False, "importing test_code.py failed: %s: %s" % (type(e).__name__, e)
    module = None

if passed and "\ndef stringTest(" in P["testCodeText"]:
    code = "\n".join(line for line in P["code"].split("\n")
                     if not ("print" in line and "#" not in line.split("print")))
    try:
        if not module.stringTest(code):
            passed, reason = False, "stringTest(code) returned a false value"
    except BaseException as e:  # noqa: B036
        passed, reason = False, "stringTest(code) raised %s: %s" % (type(e).__name__, e)

if passed:
    for i in P["cases"]:
        result_path = os.path.join(root, "result", "result_%d.pkl" % i)
        if not os.path.exists(result_path):
            passed, first, reason = False, i, "result/result_%d.pkl was not written" % i
        else:
            try:
                with open(result_path, "rb") as f:
                    result = pickle.load(f)
                with open(os.path.join(root, "ans", "ans%d.pkl" % i), "rb") as f:
                    expected = pickle.load(f)
                verdict = module.test(result, expected)
                if verdict != 1:
                    passed, first, reason = False, i, "test(result, expected) returned %r" % (verdict,)
            except BaseException as e:  # noqa: B036
                passed, first, reason = False, i, "scoring case %d raised %s: %s" % (i, type(e).__name__, e)
        emit({"event": "case", "case": i, "passed": passed, "reason": reason})
        if not passed:
            break

emit({"event": "summary", "passed": passed, "syntaxCorrect": syntax_correct, "timedOut": timed_out,
      "firstFailingCase": first, "reason": reason})
