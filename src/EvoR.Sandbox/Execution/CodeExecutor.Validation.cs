using System.Text;
using EvoR.Sandbox.Languages;
using static System.FormattableString;

namespace EvoR.Sandbox.Execution;

/// <summary>The checks of a request before it runs: language, sizes, tests, files, arguments, libraries and limits.</summary>
public sealed partial class CodeExecutor
{
    void ICodeExecutor.Check(ExecutionRequest request) => Validate(request);

    /// <summary>Checks a request without running it.</summary>
    /// <exception cref="ExecutionRequestException">The request cannot be run as given.</exception>
    public (LanguageDefinition Language, ExecutionLimits Limits) Validate(ExecutionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Language) || !_catalog.TryGet(request.Language, out var language))
        {
            throw new ExecutionRequestException(
                RequestErrorKind.UnknownLanguage,
                $"Unknown language '{request.Language}'. Known: {string.Join(", ", _catalog.All.Select(l => l.Name))}.",
                "language");
        }

        var codeBytes = Encoding.UTF8.GetByteCount(request.Code ?? "")
            + (request.Tests is ScriptTests script ? Encoding.UTF8.GetByteCount(script.Code ?? "") : 0);
        if (codeBytes > _options.MaxCodeBytes)
        {
            throw new ExecutionRequestException(RequestErrorKind.PayloadTooLarge,
                Invariant($"Code and script tests are {codeBytes} bytes; the limit is {_options.MaxCodeBytes}."), "code");
        }

        CheckStdin(request.Stdin, "stdin");
        switch (request.Tests)
        {
            case ScriptTests when language.Sentinel is null:
                throw new ExecutionRequestException(RequestErrorKind.UnsupportedTests,
                    $"Script tests are not supported for {language.Name}; use io tests.", "tests.kind");
            case ScriptTests { Code: null or "" }:
                throw new ExecutionRequestException(RequestErrorKind.InvalidRequest, "Script tests need code.", "tests.code");
            case IoTests io when io.Cases is null || io.Cases.Count == 0:
                throw new ExecutionRequestException(RequestErrorKind.InvalidRequest, "Io tests need at least one case.", "tests.cases");
            case IoTests io when io.Cases.Count > _options.MaxCases:
                throw new ExecutionRequestException(RequestErrorKind.PayloadTooLarge,
                    Invariant($"{io.Cases.Count} io cases; the limit is {_options.MaxCases}."), "tests.cases");
            case IoTests io:
                for (var i = 0; i < io.Cases.Count; i++)
                {
                    CheckStdin(io.Cases[i].Stdin, Invariant($"tests.cases[{i}].stdin"));
                }

                if (io.NumericTolerance is < 0 or double.NaN)
                {
                    throw new ExecutionRequestException(RequestErrorKind.InvalidRequest,
                        "numericTolerance must be zero or positive.", "tests.numericTolerance");
                }

                break;
        }

        WorkingFolder.ValidateArguments(request.Arguments, _options);
        _libraries.Resolve(request.Libraries);
        var limits = _limits.Resolve(request.Limits);
        WorkingFolder.Validate(request.Files, _options, limits);
        return (language, limits);
    }

    private void CheckStdin(string? stdin, string field)
    {
        if (stdin is not null && Encoding.UTF8.GetByteCount(stdin) > _options.MaxStdinBytes)
        {
            throw new ExecutionRequestException(RequestErrorKind.PayloadTooLarge,
                Invariant($"{field} exceeds {_options.MaxStdinBytes} bytes."), field);
        }
    }
}
