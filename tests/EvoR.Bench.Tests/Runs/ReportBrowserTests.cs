using System.Diagnostics;
using EvoR.Bench.Datasets;
using EvoR.Testing;

namespace EvoR.Bench.Tests.Runs;

/// <summary><c>report.html</c> opened in a real headless browser (Chromium, found on the PATH or through
/// <c>EVOR_CHROMIUM</c>; the test skips, saying so, where there is none): the page renders its tables, plots and grid
/// from the one file, with no network.</summary>
public sealed class ReportBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReportHtml_InHeadlessChromium_RendersTablesPlotsAndGridAndAScreenshot()
    {
        var chromium = ToolLookup.Find("EVOR_CHROMIUM", "chromium", "chromium-browser");
        Assert.SkipWhen(chromium is null, "no Chromium (EVOR_CHROMIUM or chromium on PATH): apt install chromium; ./evor.sh test installs it");
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();
        var (exit, output, error) = await h.RunAsync(GapModel.Create(), Ct, "run", "--dataset", ScriptedGapDataset.DatasetName,
            "--methods", "evor,vanilla", "--out", h.Out);
        Assert.True(exit == 0, error + output);
        var report = new Uri(Path.Combine(h.Out, "report.html")).AbsoluteUri;
        var screenshot = Path.Combine(h.Dir.Path, "report.png");

        // --dump-dom prints the document after the page ran: what a person's browser shows, not the file's text.
        var (domExit, dom) = await RunAsync(chromium!, h.Dir.Path, "--dump-dom", report);
        var (shotExit, shotOutput) = await RunAsync(chromium!, h.Dir.Path, $"--screenshot={screenshot}", "--window-size=1280,2000", report);

        Assert.True(domExit == 0, dom);
        Assert.Contains("<table", dom, StringComparison.Ordinal);
        Assert.Contains("<svg", dom, StringComparison.Ordinal);
        Assert.Contains("id=\"scripted\"", dom, StringComparison.Ordinal);
        Assert.Equal(6, System.Text.RegularExpressions.Regex.Count(dom, "<td class=\"(pass|fail)\" title=\"gap/"));
        Assert.True(shotExit == 0 && File.Exists(screenshot), shotOutput);
        // A blank page compresses to a few kilobytes; tables, plots and text do not.
        Assert.True(new FileInfo(screenshot).Length > 20_000, $"the screenshot is {new FileInfo(screenshot).Length} bytes: a blank page?");
    }

    private static async Task<(int Exit, string Output)> RunAsync(string chromium, string scratch, params string[] args)
    {
        var start = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        // A profile of its own per run: with the user's default one, a browser still closing (or one left by an
        // earlier run) holds its lock, and the next start hands its work to that one instead of doing it.
        var profile = Path.Combine(scratch, "chromium-" + Guid.NewGuid().ToString("N"));
        // --no-sandbox: the tests run as root, where Chromium's own sandbox refuses to start.
        foreach (var arg in (string[])["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile}",
            "--virtual-time-budget=5000", .. args])
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
