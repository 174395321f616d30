using ShawBot.Core.Domain;
using ShawBot.Core.Pipeline;

namespace ShawBot.Core.Tests.Pipeline;

public sealed class QuotaDayTests
{
    [Theory]
    [InlineData("2026-01-15T07:59:59Z", "2026-01-14", "2026-01-15T08:00:00Z")] // PST, UTC−8
    [InlineData("2026-01-15T08:00:00Z", "2026-01-15", "2026-01-16T08:00:00Z")]
    [InlineData("2026-07-15T06:59:59Z", "2026-07-14", "2026-07-15T07:00:00Z")] // PDT, UTC−7
    [InlineData("2026-03-08T09:30:00Z", "2026-03-08", "2026-03-09T07:00:00Z")] // DST starts that day
    public void The_quota_day_is_the_Pacific_date_and_resets_at_Pacific_midnight(string instant, string day, string reset)
    {
        var at = DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture), QuotaGate.QuotaDay(at));
        Assert.Equal(DateTimeOffset.Parse(reset, System.Globalization.CultureInfo.InvariantCulture), QuotaGate.NextReset(at));
    }
}

public sealed class StubReplyWriterTests
{
    [Fact]
    public async Task Is_deterministic_and_writes_past_the_sign_off()
    {
        var writer = new StubReplyWriter();
        var request = new ReplyRequest("c1", "What rank do you use?", "ann", "QLoRA explained");
        var a = await writer.WriteAsync(request, CancellationToken.None);
        var b = await writer.WriteAsync(request, CancellationToken.None);
        Assert.Equal(a, b);
        Assert.Equal("Thanks ann, glad you commented on \"QLoRA explained\": \"What rank do you use?\" –ShawGPT", StubReplyWriter.ExpectedReply(request));
        Assert.StartsWith(StubReplyWriter.ExpectedReply(request) + "\n", a.Text);
        Assert.Equal(("stub", "none"), (a.ModelName, a.AdapterVersion));
    }
}

public sealed class WorkSignalTests
{
    [Fact]
    public async Task A_notification_ends_the_wait_early_and_is_consumed()
    {
        var signal = new WorkSignal();
        signal.Notify();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await signal.WaitAsync(TimeSpan.FromSeconds(30), TimeProvider.System, CancellationToken.None);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));

        watch.Restart();
        await signal.WaitAsync(TimeSpan.FromMilliseconds(200), TimeProvider.System, CancellationToken.None);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(150));
    }

    [Fact]
    public async Task Cancellation_ends_the_wait()
    {
        using var cts = new CancellationTokenSource(100);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new WorkSignal().WaitAsync(TimeSpan.FromSeconds(30), TimeProvider.System, cts.Token));
    }
}
