# The warm runner of the process backend (languages.json "warmRun"), followed by python-run.py: the interpreter starts
# while the sandbox is prepared ahead of time and waits here for the go line; python-run.py then runs the program.
# Interpreter start-up (most of a trivial run) is thereby off the timed path.
import os as _os
# bubblewrap exports PWD at --chdir; the program's environment is the allow-list only.
_os.environ.pop("PWD", None)
while True:
    _b = _os.read(0, 1)  # one byte at a time: what follows the go line is the program's stdin, left unread
    if not _b:
        _os._exit(97)  # the service went away before the go line: run nothing
    if _b == b"\n":
        break
