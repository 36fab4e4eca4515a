using EvoR.Pipeline.Evolution;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;

namespace EvoR.Pipeline.Tests.Methods;

/// <summary>The synchronous round schedule on its own: no write before the round is complete, writes in participant order.</summary>
public sealed class SynchronousRoundsTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static Func<CancellationToken, Task<EvolvedDocument>> Write(List<string> log, string id) => _ =>
    {
        lock (log)
        {
            log.Add(id);
        }

        return Task.FromResult(new EvolvedDocument(id, SourceKind.CodeSnippet, true));
    };

    [Fact]
    public async Task WriteAtBarrier_NothingWrittenUntilEveryParticipantArrives_ThenWrittenInParticipantOrder()
    {
        var log = new List<string>();
        var rounds = new SynchronousRounds(["a", "b", "c"]);

        // Arrival order c, a, b: the first two wait, nothing is written yet.
        var c = rounds.WriteAtBarrierAsync("c", 0, Write(log, "c0"), Ct);
        var a = rounds.WriteAtBarrierAsync("a", 0, Write(log, "a0"), Ct);
        await Task.Delay(50, Ct);
        Assert.False(c.IsCompleted || a.IsCompleted);
        Assert.Empty(log);
        Assert.Equal(0, rounds.Round);

        var b = rounds.WriteAtBarrierAsync("b", 0, Write(log, "b0"), Ct);
        var results = await Task.WhenAll(a, b, c);

        Assert.Equal(["a0", "b0", "c0"], log);
        Assert.Equal(["a0", "b0", "c0"], results.Select(r => r.DocumentId));
        Assert.Equal(1, rounds.Round);
    }

    [Fact]
    public async Task Leave_ParticipantThatStopped_NoLongerWaitedForAndItsStagedWriteIsDropped()
    {
        var log = new List<string>();
        var rounds = new SynchronousRounds(["a", "b", "c"]);
        var a = rounds.WriteAtBarrierAsync("a", 0, Write(log, "a0"), Ct);
        using var cancelB = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var b = rounds.WriteAtBarrierAsync("b", 0, Write(log, "b0"), cancelB.Token);

        // b is cancelled while it waits, then leaves (as the loop does); c stops before writing and leaves.
        await cancelB.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);
        rounds.Leave("b");
        Assert.False(a.IsCompleted);
        rounds.Leave("c");
        await a;

        Assert.Equal(["a0"], log);
        Assert.Equal(1, rounds.Active);
        // Round 1 has only a left: it does not wait at all. Leaving twice does nothing.
        rounds.Leave("c");
        Assert.Equal("a1", (await rounds.WriteAtBarrierAsync("a", 1, Write(log, "a1"), Ct)).DocumentId);
    }

    [Fact]
    public async Task WriteAtBarrier_OneSlotForThreeParticipants_EachGivesItsSlotBackWhileWaiting()
    {
        var log = new List<string>();
        using var slots = new SemaphoreSlim(1, 1);
        var rounds = new SynchronousRounds(["a", "b", "c"], slots);

        // As the bench does: a participant works only while it holds the one slot.
        var runs = new[] { "a", "b", "c" }.Select(p => Task.Run(async () =>
        {
            await slots.WaitAsync(Ct);
            try
            {
                for (var round = 0; round < 3; round++)
                {
                    await rounds.WriteAtBarrierAsync(p, round, Write(log, $"{p}{round}"), Ct);
                }
            }
            finally
            {
                rounds.Leave(p);
                slots.Release();
            }
        }, Ct)).ToList();

        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"], log);
        Assert.Equal(1, slots.CurrentCount);
    }

    [Fact]
    public async Task WriteAtBarrier_FailingWrite_FailsOnlyItsWriter()
    {
        var log = new List<string>();
        var rounds = new SynchronousRounds(["a", "b"]);
        var a = rounds.WriteAtBarrierAsync("a", 0, _ => throw new IOException("disk full"), Ct);
        var b = rounds.WriteAtBarrierAsync("b", 0, Write(log, "b0"), Ct);

        Assert.Equal("disk full", (await Assert.ThrowsAsync<IOException>(() => a)).Message);
        Assert.Equal("b0", (await b).DocumentId);
    }

    [Fact]
    public async Task WriteAtBarrier_BrokenSchedule_Refused()
    {
        var log = new List<string>();
        var rounds = new SynchronousRounds(["a", "b"]);

        await Assert.ThrowsAsync<InvalidOperationException>(() => rounds.WriteAtBarrierAsync("x", 0, Write(log, "x0"), Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => rounds.WriteAtBarrierAsync("a", 1, Write(log, "a1"), Ct));
        var a = rounds.WriteAtBarrierAsync("a", 0, Write(log, "a0"), Ct);
        await Assert.ThrowsAsync<InvalidOperationException>(() => rounds.WriteAtBarrierAsync("a", 0, Write(log, "a0"), Ct));
        rounds.Leave("b");
        await a;
        Assert.Equal(["a0"], log);
    }
}
