using System.Diagnostics;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Tests.Support;
using ShawBot.Sandbox.YouTube;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Pipeline;

/// <summary>
/// The pipeline runs as a child process (tests/ShawBot.PipelineHost) against a sandbox in this process and is
/// killed with SIGKILL at random points, 20 times, restarted each time: no comment may be lost, none answered twice.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Comments = 200;
    private const int Kills = 20;
    private readonly YouTubeSandbox _sandbox = new();
    private readonly TempFolder _folder = new();

    public Task InitializeAsync() => _sandbox.StartAsync();

    public async Task DisposeAsync()
    {
        await _sandbox.StopAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Killed_and_restarted_20_times_no_comment_is_lost_or_answered_twice()
    {
        var watch = Stopwatch.StartNew();
        var database = _folder.File("shawbot.db");
        var seeds = Seeds.Make(Comments);
        var threads = _sandbox.Seed(seeds.Take(100)).Select(c => c.ThreadId).ToList();
        // A few inserts land but their answers are lost: unknown outcomes on top of the kills.
        _sandbox.InjectFault(new SandboxFault(FaultKind.DropAfterCommit, FaultTarget.Insert, Count: 5));
        var store = new SqliteCommentStore(Options.Create(new StoreOptions { DatabasePath = database }), TimeProvider.System);
        var random = new Random(20260301);

        for (var kill = 0; kill < Kills; kill++)
        {
            using var child = PipelineProcess.Start(database, _sandbox.BaseUri, _sandbox.ChannelId);
            // The other 100 arrive 5 per run, so every run has fresh work to be killed in the middle of.
            threads.AddRange(_sandbox.Seed(seeds.Skip(100 + (5 * kill)).Take(5)).Select(c => c.ThreadId));

            // Start-up takes ~0.5–1 s, so kills land both in start-up and mid-pipeline.
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 2500)));
            Assert.False(child.HasExited, child.LastOutput());
            child.Kill();
            output.WriteLine($"kill {kill + 1} at {watch.Elapsed.TotalSeconds:F1}s: {await PipelineProcess.Describe(store)}; sandbox replies {_sandbox.OwnerReplies().Count}");
        }

        using (var last = PipelineProcess.Start(database, _sandbox.BaseUri, _sandbox.ChannelId))
        {
            var deadline = Stopwatch.StartNew();
            while ((await store.CountByStateAsync(CancellationToken.None))[CommentState.Posted] < Comments)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(45), $"not finished: {await PipelineProcess.Describe(store)}\n{last.LastOutput()}");
                await Task.Delay(100);
            }

            await Task.Delay(500); // a few more rounds: nothing more may be posted
            last.Kill();
        }

        output.WriteLine($"done at {watch.Elapsed.TotalSeconds:F1}s: {await PipelineProcess.Describe(store)}");
        var replies = _sandbox.OwnerReplies();
        var perThread = replies.GroupBy(r => r.ThreadId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(threads.Order(), perThread.Keys.Order());
        Assert.All(perThread, p => Assert.Equal(1, p.Value));
        var posted = await store.ListPostedRepliesAsync(CancellationToken.None);
        Assert.Equal(replies.Select(r => (r.ThreadId, r.Id)).Order(), posted.Select(p => (p.CommentId, p.YouTubeReplyId)).Order());
        Assert.Empty(_sandbox.ActiveFaults());
    }
}
