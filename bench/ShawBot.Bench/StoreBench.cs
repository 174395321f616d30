using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Store.Postgres;

namespace ShawBot.Bench;

/// <summary>
/// Store operations per second, SQLite vs PostgreSQL: each comment's whole life (add, claim for drafting, save the
/// draft, approve, claim for posting, mark posted: 6 writing transactions) by <c>workers</c> concurrent tasks,
/// rounds interleaved SQLite / PostgreSQL so machine noise hits both alike. PostgreSQL from a connection string
/// (argument or SHAWBOT_BENCH_PG) to an empty database; SQLite in a temporary file (WAL, synchronous=FULL).
/// </summary>
internal static class StoreBench
{
    private const int WritesPerComment = 6;

    public static void Run(string[] args)
    {
        var postgres = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("SHAWBOT_BENCH_PG")
            ?? throw new ArgumentException("store-ops needs a PostgreSQL connection string (argument or SHAWBOT_BENCH_PG) to an empty database");
        var comments = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 400;
        var workers = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 4;
        var folder = Path.Combine(Path.GetTempPath(), "shawbot-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var sqlite = new SqliteCommentStore(Options.Create(new StoreOptions { DatabasePath = Path.Combine(folder, "bench.db") }), TimeProvider.System);
            using var pg = new PostgresCommentStore(Options.Create(new StoreOptions { Provider = StoreProvider.Postgres, ConnectionString = postgres }), TimeProvider.System);
            sqlite.MigrateAsync().GetAwaiter().GetResult();
            pg.MigrateAsync().GetAwaiter().GetResult();
            var rates = new Dictionary<string, List<double>> { ["sqlite"] = [], ["postgres"] = [] };
            for (var round = 0; round < 3; round++)
            {
                rates["sqlite"].Add(Measure(sqlite, $"r{round}", comments, workers));
                rates["postgres"].Add(Measure(pg, $"r{round}", comments, workers));
            }

            foreach (var (name, r) in rates)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $$"""{"figure":"store-ops","store":"{{name}}","comments":{{comments}},"workers":{{workers}},"writes_per_comment":{{WritesPerComment}},"ops_per_s_median":{{r.Order().ElementAt(1):F0}},"ops_per_s_rounds":[{{string.Join(",", r.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))}}]}"""));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double Measure(ICommentStore store, string prefix, int comments, int workers)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < comments)
            {
                await Life(store, $"{prefix}-{i}").ConfigureAwait(false);
            }
        }))).GetAwaiter().GetResult();
        return comments * WritesPerComment / clock.Elapsed.TotalSeconds;
    }

    private static async Task Life(ICommentStore store, string id)
    {
        var none = CancellationToken.None;
        var at = DateTimeOffset.UtcNow;
        await store.AddCommentAsync(new Comment(id, id, "video", "title", "UCauthor", "author", "text of " + id, at, at), CommentState.New, null, none).ConfigureAwait(false);
        Check(await store.TryBeginDraftingAsync(id, none).ConfigureAwait(false), id);
        var draft = await store.SaveDraftAsync(id, new ReplyDraft("reply to " + id, "bench", "v1", new SamplingSettings(0.7, 0.9, 64, 1)), at, none).ConfigureAwait(false);
        Check((await store.RecordDecisionAsync(draft!.DraftId, DecisionKind.Approve, Moderator.Auto, draft.Text, at, none).ConfigureAwait(false)).IsAccepted, id);
        Check(await store.TryBeginPostingAsync(id, none).ConfigureAwait(false) == draft.Text, id);
        Check(await store.MarkPostedAsync(id, new PublishedReply("reply-" + id, draft.Text, at), none).ConfigureAwait(false), id);
    }

    private static void Check(bool ok, string id)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"store-ops: a step on {id} did not take effect");
        }
    }
}
