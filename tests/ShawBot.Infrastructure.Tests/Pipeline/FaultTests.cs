using ShawBot.Core.Domain;
using ShawBot.Core.Pipeline;
using ShawBot.Infrastructure.Tests.Support;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Infrastructure.Tests.Pipeline;

/// <summary>With each injected fault the service keeps running, backs off and finishes once the fault clears.</summary>
public sealed class FaultTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private YouTubeSandbox _sandbox = new();

    public Task InitializeAsync() => _sandbox.StartAsync();

    public async Task DisposeAsync()
    {
        await _sandbox.StopAsync();
        _folder.Dispose();
    }

    [Theory]
    [InlineData(FaultKind.ServerError)]
    [InlineData(FaultKind.ServiceUnavailable)]
    [InlineData(FaultKind.TooManyRequests)]
    [InlineData(FaultKind.Unauthorized)]
    [InlineData(FaultKind.Drop)]
    [InlineData(FaultKind.DropAfterCommit)]
    [InlineData(FaultKind.Slow)]
    public async Task A_standing_fault_stalls_nothing_for_good_and_every_comment_is_answered_once_after_it_clears(FaultKind kind)
    {
        var comments = _sandbox.Seed(Seeds.Make(12));
        _sandbox.InjectFault(new SandboxFault(kind, FaultTarget.Any, Count: -1, Delay: TimeSpan.FromSeconds(3)));
        await using var harness = await PipelineHarness.StartAsync(_sandbox, _folder.File("shawbot.db"));
        var poller = (Poller)harness.Services.GetService(typeof(Poller))!;

        // The service keeps calling (backing off) while the fault stands, and stays up.
        var before = _sandbox.RequestCount;
        await Wait.UntilAsync(() => _sandbox.RequestCount - before >= 4 || kind == FaultKind.Slow && _sandbox.RequestCount - before >= 1, TimeSpan.FromSeconds(20), "retries under the fault");
        Assert.True(kind is FaultKind.DropAfterCommit or FaultKind.Slow || _sandbox.OwnerReplies().Count == 0);

        _sandbox.ClearFaults();
        await harness.WaitAsync(async h => await h.CountAsync(CommentState.Posted) == 12, TimeSpan.FromSeconds(40), "12 posted after the fault cleared");

        Assert.False(poller.ExecuteTask!.IsCompleted); // the loop survived every failed iteration
        var replies = _sandbox.OwnerReplies();
        Assert.Equal(comments.Select(c => c.ThreadId).Order(), replies.Select(r => r.ThreadId).Order());
    }

    [Theory]
    [InlineData(FaultKind.CommentsDisabled, "commentsDisabled")]
    [InlineData(FaultKind.Forbidden, "forbidden")]
    [InlineData(FaultKind.ProcessingFailure, "processingFailure")]
    public async Task A_permanent_insert_error_fails_that_comment_with_its_reason_and_the_rest_go_on(FaultKind kind, string reason)
    {
        _sandbox.Seed(Seeds.Make(6));
        _sandbox.InjectFault(new SandboxFault(kind, FaultTarget.Insert, Count: 2));
        await using var harness = await PipelineHarness.StartAsync(_sandbox, _folder.File("shawbot.db"));

        await harness.WaitAsync(async h => await h.CountAsync(CommentState.Posted) == 4 && await h.CountAsync(CommentState.PostFailed) == 2, TimeSpan.FromSeconds(30), "4 posted, 2 failed");

        var failed = await harness.Store.ListByStateAsync(CommentState.PostFailed, 10, CancellationToken.None);
        Assert.All(failed, f => Assert.StartsWith($"{reason} (", f.Reason));
        Assert.Equal(4, _sandbox.OwnerReplies().Count);
        Assert.DoesNotContain(_sandbox.OwnerReplies(), r => failed.Any(f => f.Comment.ThreadId == r.ThreadId));
    }

    [Fact]
    public async Task Quota_exceeded_pauses_polling_until_midnight_Pacific()
    {
        await _sandbox.StopAsync();
        // Room for a few lists and one insert, then YouTube says quotaExceeded.
        _sandbox = new YouTubeSandbox(new YouTubeSandboxOptions { DailyQuota = 60 });
        await _sandbox.StartAsync();
        _sandbox.Seed(Seeds.Make(3));
        var clock = new ShiftedClock();
        await using var harness = await PipelineHarness.StartAsync(_sandbox, _folder.File("shawbot.db"), time: clock);
        var gate = (QuotaGate)harness.Services.GetService(typeof(QuotaGate))!;

        await Wait.UntilAsync(() => gate.IsPaused, TimeSpan.FromSeconds(20), "the quota pause");
        Assert.Equal(QuotaGate.NextReset(clock.GetUtcNow()), gate.PausedUntil);
        var requests = _sandbox.RequestCount;
        var posted = _sandbox.OwnerReplies().Count;
        await Task.Delay(700); // several poll intervals
        Assert.Equal(requests, _sandbox.RequestCount);
        Assert.True(posted < 3);

        // Midnight Pacific: YouTube's quota resets, and so does the pause.
        _sandbox.ResetQuota();
        _sandbox.SetDailyQuota(null); // polling every 100 ms would spend a small quota again within seconds
        clock.Advance(gate.PausedUntil - clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        await harness.WaitAsync(async h => await h.CountAsync(CommentState.Posted) == 3, TimeSpan.FromSeconds(20), "3 posted after the reset");
        Assert.Equal(3, _sandbox.OwnerReplies().Select(r => r.ThreadId).Distinct().Count());
    }

    [Fact]
    public async Task The_ledger_never_spends_more_than_the_daily_budget()
    {
        _sandbox.Seed(Seeds.Make(5));
        // 2 inserts (100) + a few lists fit in 110; the third insert would not.
        await using var harness = await PipelineHarness.StartAsync(_sandbox, _folder.File("shawbot.db"), s => s["ShawBot:Poller:DailyQuotaBudget"] = "110");

        await harness.WaitAsync(async h => await h.CountAsync(CommentState.Posted) == 2, TimeSpan.FromSeconds(20), "2 posted");
        await Task.Delay(700);

        var spent = await harness.Store.GetQuotaSpentAsync(QuotaGate.QuotaDay(DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.InRange(spent, 101, 110);
        Assert.Equal(spent, _sandbox.QuotaUsed);
        Assert.Equal(2, _sandbox.OwnerReplies().Count);
        Assert.Equal(2, await harness.CountAsync(CommentState.Posted));
    }
}
