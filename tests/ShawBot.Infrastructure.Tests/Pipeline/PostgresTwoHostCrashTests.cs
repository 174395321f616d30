using System.Diagnostics;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Store.Postgres;
using ShawBot.Infrastructure.Tests.Support;
using ShawBot.Sandbox.YouTube;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Pipeline;

/// <summary>
/// Scale-out (issue #15): two pipeline hosts (tests/ShawBot.PipelineHost, each its own process and instance id) share
/// one PostgreSQL database and the YouTube sandbox. A driver decides every draft through the page's API
/// (GET /api/queue, POST /api/drafts/{id}/decision) on whichever host answers: every 7th comment rejected, the rest
/// approved. Meanwhile one host at a time is killed with SIGKILL, 20 times, and restarted. At the end every approved
/// comment has exactly one reply in the sandbox, every rejected one none, and the store's posted replies are exactly
/// the sandbox's.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresTwoHostCrashTests(PostgresServer server, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Comments = 200;
    private const int Kills = 20;
    private const int RejectEvery = 7;
    private readonly YouTubeSandbox _sandbox = new();
    private readonly TempFolder _folder = new();

    public Task InitializeAsync() => _sandbox.StartAsync();

    public async Task DisposeAsync()
    {
        await _sandbox.StopAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Two_hosts_killed_20_times_post_every_approved_reply_once_and_no_rejected_one()
    {
        var watch = Stopwatch.StartNew();
        var connectionString = server.CreateDatabase();
        await using var store = new PostgresCommentStore(
            Options.Create(new StoreOptions { Provider = StoreProvider.Postgres, ConnectionString = connectionString, InstanceId = "test" }),
            TimeProvider.System);
        await store.MigrateAsync(); // the hosts migrate too; the test reads the store before they finish starting
        var seeds = Seeds.Make(Comments);
        var seeded = _sandbox.Seed(seeds.Take(100)).ToList();
        var random = new Random(20261205);
        string[] names = ["host-a", "host-b"];
        var ports = names.Select(_ => WebApiModerator.FreePort()).ToArray();
        var hosts = names.Select((n, i) => Start(n, ports[i], connectionString)).ToArray();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        using var stop = new CancellationTokenSource();
        var driver = new WebApiModerator(http, ports, IsRejected);
        var driving = Task.Run(() => driver.RunAsync(stop.Token));
        try
        {
            for (var kill = 0; kill < Kills; kill++)
            {
                // The other 100 comments arrive 5 per round, so every kill finds fresh work in flight.
                seeded.AddRange(_sandbox.Seed(seeds.Skip(100 + (5 * kill)).Take(5)));
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 2500)));
                var victim = random.Next(2);
                Assert.False(hosts[victim].HasExited, hosts[victim].LastOutput());
                hosts[victim].Dispose(); // SIGKILL
                output.WriteLine($"kill {kill + 1} ({names[victim]}) at {watch.Elapsed.TotalSeconds:F1}s: {await PipelineProcess.Describe(store)}; " +
                                 $"decisions {driver.Approved.Count} approved / {driver.RejectedDecided.Count} rejected; sandbox replies {_sandbox.OwnerReplies().Count}");
                hosts[victim] = Start(names[victim], ports[victim], connectionString);
            }

            var rejected = RejectedBySeed(seeded);
            var expectedPosted = Comments - rejected.Count;
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var now = await store.CountByStateAsync(CancellationToken.None);
                if (now[CommentState.Posted] >= expectedPosted && now[CommentState.Rejected] >= rejected.Count)
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

        var rejectedThreads = RejectedBySeed(seeded);
        var approvedThreads = seeded.Select(c => c.ThreadId).Where(t => !rejectedThreads.Contains(t)).ToHashSet();
        var replies = _sandbox.OwnerReplies();
        var perThread = replies.GroupBy(r => r.ThreadId).ToDictionary(g => g.Key, g => g.Count());
        var posted = await store.ListPostedRepliesAsync(CancellationToken.None);
        var counts = await store.CountByStateAsync(CancellationToken.None);
        output.WriteLine($"done at {watch.Elapsed.TotalSeconds:F1}s: comments {seeded.Count}, approved {approvedThreads.Count}, rejected {rejectedThreads.Count}; " +
                         $"store posted {posted.Count}, store rejected {counts[CommentState.Rejected]}; sandbox replies {replies.Count} on {perThread.Count} threads, " +
                         $"on approved threads {approvedThreads.Count(perThread.ContainsKey)}, on rejected threads {rejectedThreads.Count(perThread.ContainsKey)}, " +
                         $"threads with more than one {perThread.Count(p => p.Value > 1)}; API decisions sent {driver.ApproveSent.Count} approve, {driver.RejectSent.Count} reject, " +
                         $"answered {driver.Approved.Count} approve, {driver.RejectedDecided.Count} reject (the rest lost to a kill, decided all the same); " +
                         $"accepted by {names[0]} {driver.AcceptedBy[0]}, by {names[1]} {driver.AcceptedBy[1]}");

        Assert.Equal(Comments, seeded.Count);
        Assert.Equal(Comments / RejectEvery + 1, rejectedThreads.Count); // c0, c7, … c196
        Assert.Equal(approvedThreads.Order(), perThread.Keys.Order());   // every approved thread answered, no rejected one
        Assert.All(perThread, p => Assert.Equal(1, p.Value));             // exactly once
        Assert.Equal(approvedThreads.Count, posted.Count);
        Assert.Equal(replies.Select(r => (r.ThreadId, r.Id)).Order(), posted.Select(p => (p.CommentId, p.YouTubeReplyId)).Order());
        Assert.Equal(rejectedThreads.Count, counts[CommentState.Rejected]);
        Assert.Equal(approvedThreads.Order(), driver.ApproveSent.Order());  // every approval went through the API
        Assert.Equal(rejectedThreads.Order(), driver.RejectSent.Order());
        Assert.Subset(approvedThreads, driver.Approved);                    // answered ones; a kill may swallow an answer
        Assert.Subset(rejectedThreads, driver.RejectedDecided);
        Assert.Equal(Comments, counts.Values.Sum());
        Assert.All(driver.AcceptedBy, n => Assert.True(n > 0, $"a host took no decision: {string.Join(", ", driver.AcceptedBy)}")); // both hosts served
    }

    private PipelineProcess Start(string instance, int port, string connectionString) =>
        PipelineProcess.Start(_folder.File("unused.db"), _sandbox.BaseUri, _sandbox.ChannelId,
            ["--pg", connectionString, "--instance", instance, "--web-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    /// <summary>The threads of seeds c0, c7, c14, …: the driver rejects these.</summary>
    private static HashSet<string> RejectedBySeed(IEnumerable<SandboxComment> seeded) => [.. seeded.Where(c => IsRejected(c.Text)).Select(c => c.ThreadId)];

    /// <summary>The moderator's rule, read off the comment text as the queue shows it: seed "c{i}: …" is rejected when i % 7 == 0.</summary>
    private static bool IsRejected(string comment) => WebApiModerator.EveryNthSeed(comment, RejectEvery);
}
