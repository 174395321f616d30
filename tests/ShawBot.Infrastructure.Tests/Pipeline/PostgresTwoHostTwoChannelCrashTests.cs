using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Store.Postgres;
using ShawBot.Infrastructure.Tests.Support;
using ShawBot.Sandbox.YouTube;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Pipeline;

/// <summary>
/// Scale-out over several channels (issue #15): two pipeline hosts (processes) on one PostgreSQL database answer two
/// YouTube channels of one sandbox, each channel signed in with its own OAuth token folder (ShawBot:Channels). Seed
/// c{i} is on the main channel for even i and on the labs channel for odd i. A driver decides every draft through the
/// page's API (every 7th rejected) while one host at a time is killed with SIGKILL, 20 times, and restarted. At the end
/// every approved comment has exactly one reply, posted as the comment's own channel with that channel's token, no
/// rejected comment has one, the store's posted replies are exactly the sandbox's, and the page named each comment's channel.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresTwoHostTwoChannelCrashTests(PostgresServer server, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Comments = 200;
    private const int Kills = 20;
    private const int RejectEvery = 7;
    private readonly YouTubeSandbox _sandbox = new(new YouTubeSandboxOptions { AccessToken = "sandbox-token-main" });
    private readonly TempFolder _folder = new();

    public Task InitializeAsync() => _sandbox.StartAsync();

    public async Task DisposeAsync()
    {
        await _sandbox.StopAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Two_hosts_killed_20_times_post_every_approved_reply_once_on_its_own_channel()
    {
        var watch = Stopwatch.StartNew();
        var channels = await TwoYouTubeChannels.CreateAsync(_sandbox, _folder);
        var settingsFile = channels.WriteSettingsFile(_folder.File("two-channels.json"));
        var connectionString = server.CreateDatabase();
        await using var store = new PostgresCommentStore(
            Options.Create(new StoreOptions { Provider = StoreProvider.Postgres, ConnectionString = connectionString, InstanceId = "test" }),
            TimeProvider.System);
        await store.MigrateAsync();
        var seeds = Seeds.Make(Comments);
        var seeded = new List<SandboxComment>();
        void SeedRange(int from, int count) =>
            seeded.AddRange(Enumerable.Range(from, count).Select(i => _sandbox.AddComment(seeds[i], channelId: ChannelOfSeed(i))));
        SeedRange(0, 100);
        var random = new Random(20261206);
        string[] names = ["host-a", "host-b"];
        var ports = names.Select(_ => WebApiModerator.FreePort()).ToArray();
        PipelineProcess Start(int i) => PipelineProcess.Start(_folder.File("unused.db"), _sandbox.BaseUri, _sandbox.ChannelId,
            ["--pg", connectionString, "--instance", names[i], "--web-port", ports[i].ToString(CultureInfo.InvariantCulture), "--settings", settingsFile]);
        var hosts = names.Select((_, i) => Start(i)).ToArray();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        using var stop = new CancellationTokenSource();
        var driver = new WebApiModerator(http, ports, IsRejected);
        var driving = Task.Run(() => driver.RunAsync(stop.Token));
        var rejectedCount = seeds.Count(s => IsRejected(s.Text));
        try
        {
            for (var kill = 0; kill < Kills; kill++)
            {
                SeedRange(100 + (5 * kill), 5); // fresh work on both channels in flight at every kill
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 2000)));
                var victim = random.Next(2);
                Assert.False(hosts[victim].HasExited, hosts[victim].LastOutput());
                hosts[victim].Dispose(); // SIGKILL
                output.WriteLine($"kill {kill + 1} ({names[victim]}) at {watch.Elapsed.TotalSeconds:F1}s: {await PipelineProcess.Describe(store)}; " +
                                 $"decisions {driver.Approved.Count} approved / {driver.RejectedDecided.Count} rejected; sandbox replies {_sandbox.ChannelReplies().Count}");
                hosts[victim] = Start(victim);
            }

            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var now = await store.CountByStateAsync(CancellationToken.None);
                if (now[CommentState.Posted] >= Comments - rejectedCount && now[CommentState.Rejected] >= rejectedCount)
                {
                    break;
                }

                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60),
                    $"not finished: {await PipelineProcess.Describe(store)}\nhost-a: {hosts[0].LastOutput()}\nhost-b: {hosts[1].LastOutput()}");
                await Task.Delay(200);
            }

            await Task.Delay(1000); // a few more rounds on both hosts: nothing more may be posted
        }
        finally
        {
            await stop.CancelAsync();
            await driving;
            foreach (var host in hosts)
            {
                host.Dispose();
            }
        }

        var tokens = TwoYouTubeChannels.Tokens(_sandbox);
        var channelOfThread = seeded.ToDictionary(c => c.ThreadId, c => c.ChannelId);
        var rejectedThreads = seeded.Where(c => IsRejected(c.Text)).Select(c => c.ThreadId).ToHashSet();
        var approvedThreads = seeded.Select(c => c.ThreadId).Where(t => !rejectedThreads.Contains(t)).ToHashSet();
        var replies = _sandbox.ChannelReplies();
        var perThread = replies.GroupBy(r => r.ThreadId).ToDictionary(g => g.Key, g => g.Count());
        var posted = await store.ListPostedRepliesAsync(CancellationToken.None);
        var counts = await store.CountByStateAsync(CancellationToken.None);
        var stored = new Dictionary<string, TrackedComment>();
        foreach (var comment in seeded)
        {
            stored[comment.Id] = (await store.GetCommentAsync(comment.Id, CancellationToken.None))!;
        }

        foreach (var channel in _sandbox.Channels)
        {
            var ours = replies.Where(r => r.ChannelId == channel.ChannelId).ToList();
            output.WriteLine($"channel {channel.OwnerName} ({channel.ChannelId}): comments {seeded.Count(c => c.ChannelId == channel.ChannelId)}, " +
                             $"approved {approvedThreads.Count(t => channelOfThread[t] == channel.ChannelId)}, rejected {rejectedThreads.Count(t => channelOfThread[t] == channel.ChannelId)}, " +
                             $"replies {ours.Count} (posted as this channel with its token {ours.Count(r => r.AuthorChannelId == channel.ChannelId && r.PostedWith == channel.AccessToken)}), " +
                             $"on rejected threads {ours.Count(r => rejectedThreads.Contains(r.ThreadId))}, threads with more than one {ours.GroupBy(r => r.ThreadId).Count(g => g.Count() > 1)}");
        }

        output.WriteLine($"done at {watch.Elapsed.TotalSeconds:F1}s: store posted {posted.Count}, store rejected {counts[CommentState.Rejected]}; sandbox replies {replies.Count}; " +
                         $"API decisions sent {driver.ApproveSent.Count} approve, {driver.RejectSent.Count} reject; accepted by {names[0]} {driver.AcceptedBy[0]}, by {names[1]} {driver.AcceptedBy[1]}");

        Assert.Equal(Comments, seeded.Count);
        Assert.Equal(Comments / 2, seeded.Count(c => c.ChannelId == TwoYouTubeChannels.LabsChannelId));
        Assert.Equal(approvedThreads.Order(), perThread.Keys.Order());    // every approved thread answered, no rejected one
        Assert.All(perThread, p => Assert.Equal(1, p.Value));              // exactly once
        Assert.All(replies, r =>
        {
            Assert.Equal(channelOfThread[r.ThreadId], r.ChannelId);
            Assert.Equal(r.ChannelId, r.AuthorChannelId);                  // posted as the comment's own channel
            Assert.Equal(tokens[r.ChannelId], r.PostedWith);               // with that channel's credential
        });
        Assert.Equal(approvedThreads.Count, posted.Count);
        Assert.Equal(replies.Select(r => (r.ThreadId, r.Id)).Order(), posted.Select(p => (p.CommentId, p.YouTubeReplyId)).Order());
        Assert.Equal(rejectedThreads.Count, counts[CommentState.Rejected]);
        Assert.Equal(approvedThreads.Order(), driver.ApproveSent.Order());
        Assert.Equal(rejectedThreads.Order(), driver.RejectSent.Order());
        Assert.Equal(Comments, counts.Values.Sum());
        Assert.All(seeded, c => Assert.Equal(c.ChannelId == _sandbox.ChannelId ? TwoYouTubeChannels.MainId : TwoYouTubeChannels.LabsId, stored[c.Id].Comment.SourceId));
        Assert.All(driver.SourceShown, s => Assert.Equal(
            channelOfThread[s.Key] == _sandbox.ChannelId ? TwoYouTubeChannels.MainName : TwoYouTubeChannels.LabsName, s.Value)); // the page named each comment's channel
        Assert.All(driver.AcceptedBy, n => Assert.True(n > 0, $"a host took no decision: {string.Join(", ", driver.AcceptedBy)}"));
    }

    /// <summary>Seed c{i} is on the main channel for even i, on the labs channel for odd i.</summary>
    private string ChannelOfSeed(int i) => i % 2 == 0 ? _sandbox.ChannelId : TwoYouTubeChannels.LabsChannelId;

    private static bool IsRejected(string comment) => WebApiModerator.EveryNthSeed(comment, RejectEvery);
}
