# Runs /app/NAME.py (the one argument) in this already started interpreter as `python3 /app/NAME.py` would: same
# __main__ globals, sys.argv, sys.path[0], tracebacks, exit status, recursion depth and loaded modules. It follows the
# script that started the interpreter ahead of the run and placed or waited for the program: the process backend's warm
# runner (python-warm.py) and the Docker backend's Python gate (PythonGate.cs). Known differences: sys.orig_argv shows
# the interpreter's -c, traceback.print_stack() and inspect.stack() show two frames below the program's, and
# sys.getrecursionlimit() reads 3 higher than it would.
import os as _os, sys as _sys


def _evor_run(os=_os, sys=_sys):
    here = sys._getframe().f_code
    path = sys.argv[1]
    sys.argv[:] = sys.argv[1:]
    sys.path[0] = os.path.dirname(path)
    import __main__
    import builtins
    g = __main__.__dict__
    g.clear()  # the starting script's names go; the program gets the globals a script gets
    # The loader class from the already loaded bootstrap, not importlib.machinery: a plain run has not imported that.
    g.update(__name__="__main__", __doc__=None, __package__=None, __spec__=None, __annotations__={},
             __builtins__=builtins, __file__=path, __cached__=None,
             __loader__=sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path))
    try:
        with open(path, "rb") as f:  # bytes, so a PEP 263 coding line is honoured
            code = compile(f.read(), path, "exec", dont_inherit=True)
        # The -c module, this function and exec stand below the program's frames: a RecursionError comes where a
        # plain run's would.
        sys.setrecursionlimit(sys.getrecursionlimit() + 3)
        exec(code, g)
    except SystemExit:
        raise  # the interpreter handles it as for a script: status, or the message on stderr and status 1
    except BaseException as e:
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code is here:
            tb = tb.tb_next  # the traceback starts at the program, as a plain run's does
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        if isinstance(e, KeyboardInterrupt):
            import signal
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        raise SystemExit(1)


_evor_run()
