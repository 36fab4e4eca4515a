using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Languages;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// The gate for Python programs (<see cref="DockerSandboxOptions.PythonGate"/>): the pooled container starts the
/// interpreter itself (as the child of the shell's <see cref="ContainerSpec.WaiterScript"/>, which ends the run), and the
/// interpreter waits for the run's input, places the files and runs the program in-process, so Python's start-up (most of
/// a trivial run's time in the container) is off the timed path. It reads the shell gate's input (<see cref="GateInput"/>)
/// in the same exact way (byte by byte up to each newline, then exactly each file's size: the program's stdin follows,
/// left unread), writes the files read-only, makes <c>/app</c> read-only, writes the start marker and becomes the program
/// as <c>python3 /app/main.py</c> would run it: same __main__ globals, sys.argv, sys.path[0], tracebacks, exit status,
/// recursion depth, process group and loaded modules. It needs no helper process. Known differences: sys.orig_argv shows
/// the gate's <c>-c</c>, traceback.print_stack() and inspect.stack() show the gate's two frames below the program's, and
/// sys.getrecursionlimit() reads 3 higher than it would. (Only the part that places the files is the gate's own; running the
/// program is <c>Languages/python-run.py</c>, shared with the process backend's warm runner.)
/// </summary>
internal static class PythonGate
{
    /// <summary>Whether this run's command is a plain <c>python3 /app/NAME.py</c>, which the Python gate can stand for.</summary>
    public static bool Fits(SandboxRunSpec spec) =>
        spec.Command is ["python3", var path] && path.StartsWith("/app/", StringComparison.Ordinal)
        && path.EndsWith(".py", StringComparison.Ordinal) && GateInput.IsPlainName(path["/app/".Length..]);

    /// <summary>The gate's command for a run that <see cref="Fits"/>.</summary>
    public static string[] Command(SandboxRunSpec spec) => ["python3", "-c", Script, spec.Command[1]];

    /// <summary>The gate, run with <c>python3 -c</c>; its one argument is the program's path. Once the files are placed,
    /// the runner shared with the process backend runs the program (<see cref="EmbeddedScripts.PythonRun"/>).</summary>
    public static readonly string Script = GatePart + "\n" + EmbeddedScripts.PythonRun;

    private const string GatePart = """
        import os as _os, sys as _sys


        def _evor_gate(os=_os):
            def line():
                text = b""
                while True:
                    b = os.read(0, 1)  # byte by byte: nothing past the gate's input is consumed
                    if not b:
                        raise EOFError
                    if b == b"\n":
                        return text
                    text += b

            try:
                count = int(line())
                os.umask(0o222)
                for _ in range(count):
                    size = int(line())
                    fd = os.open(b"/app/" + line(), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o444)
                    while size > 0:
                        chunk = os.read(0, min(size, 1 << 16))
                        if not chunk:
                            raise EOFError
                        size -= len(chunk)
                        while chunk:
                            chunk = chunk[os.write(fd, chunk):]
                    os.close(fd)
                os.chmod("/app", 0o555)
                os.umask(0o022)
                os.setpgid(0, 0)  # its own process group, as tini gives the program it starts
                os.write(1, b"evor-gate-open\n")
            except BaseException:
                os._exit(125)  # the program never started: no marker, exit 125 as the shell gate


        _evor_gate()
        del _evor_gate
        """;
}
