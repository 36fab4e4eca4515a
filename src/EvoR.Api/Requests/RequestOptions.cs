using System.ComponentModel.DataAnnotations;

namespace EvoR.Api.Requests;

/// <summary>Configuration section <c>Requests</c>: limits on what a client may send. Validated at start.</summary>
public sealed class RequestOptions
{
    public const string SectionName = "Requests";

    /// <summary>Largest request body, in bytes; a larger one is refused with 413 <c>payload-too-large</c> before it
    /// is read. Default 8388608 (8 MiB), range 1024–268435456. The sandbox's own <c>Sandbox:MaxCodeBytes</c> and
    /// <c>Sandbox:MaxStdinBytes</c> still apply to the code and input inside the body.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 8 * 1024 * 1024;
}
