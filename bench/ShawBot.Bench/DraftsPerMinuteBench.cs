using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ShawBot.Core;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure;
using ShawBot.Infrastructure.Engine;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Bench;

/// <summary>
/// `drafts-per-minute PG-CONNECTION [MODEL_DIR] [comments] [seconds]`: comments drafted per minute by 1 and by 2
/// service instances on one PostgreSQL database, each instance the real pipeline (poller → drafter with the engine
/// over the demo model and its adapter → auto-approve → publisher) as its own Generic Host with its own loaded model
/// and lease owner, against one YouTube sandbox. Each run gets a fresh schema (search_path) in the given database.
/// The clock starts once every instance has loaded its model and the comments are seeded, and stops when all are
/// drafted (or after <c>seconds</c>). One JSON line per instance count. Run from the repository root.
/// </summary>
internal static class DraftsPerMinuteBench
{
    public static async Task RunAsync(string[] args)
    {
        var postgres = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("SHAWBOT_BENCH_PG")
            ?? throw new ArgumentException("drafts-per-minute needs a PostgreSQL connection string (argument or SHAWBOT_BENCH_PG)");
        var model = Path.GetFullPath(args.Length > 2 ? args[2] : Path.Combine("models", "tiny-shawbot"));
        var count = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 40;
        var limit = TimeSpan.FromSeconds(args.Length > 4 ? double.Parse(args[4], CultureInfo.InvariantCulture) : 300);
        var seeds = SeedComment.ReadJsonlFile(Path.Combine("data", "demo-comments.jsonl"));
        foreach (var instances in new[] { 1, 2 })
        {
            var (drafted, elapsed) = await MeasureAsync(postgres, model, instances, [.. Enumerable.Range(0, count).Select(i => seeds[i % seeds.Count])], limit).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $$"""{"figure":"drafts-per-minute","store":"postgres","model":"{{Path.GetFileName(model.TrimEnd('/'))}}","instances":{{instances}},"comments":{{count}},"drafted":{{drafted}},"seconds":{{elapsed.TotalSeconds:F1}},"drafts_per_min":{{drafted / elapsed.TotalMinutes:F1}},"cores":{{Environment.ProcessorCount}}}"""));
        }
    }

    private static async Task<(int Drafted, TimeSpan Elapsed)> MeasureAsync(string postgres, string model, int instances, IReadOnlyList<SeedComment> seeds, TimeSpan limit)
    {
        var schema = "bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(postgres))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema};", connection);
            await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        var connectionString = new NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema }.ToString();
        var folder = Path.Combine(Path.GetTempPath(), "shawbot-bench-" + schema);
        await using var sandbox = new YouTubeSandbox();
        await sandbox.StartAsync().ConfigureAwait(false);
        var hosts = new List<IHost>();
        try
        {
            for (var i = 0; i < instances; i++)
            {
                var host = Build(sandbox, connectionString, model, $"bench-{i}", Path.Combine(folder, $"instance-{i}"));
                await host.StartAsync().ConfigureAwait(false);   // loads the model (ModelWarmup) before the clock starts
                hosts.Add(host);
            }

            var store = hosts[0].Services.GetRequiredService<ICommentIngest>();
            sandbox.Seed(seeds);
            var clock = Stopwatch.StartNew();
            var drafted = 0;
            while (clock.Elapsed < limit)
            {
                var states = await store.CountByStateAsync(CancellationToken.None).ConfigureAwait(false);
                drafted = states.Where(s => s.Key is not (CommentState.New or CommentState.Drafting)).Sum(s => s.Value);
                if (drafted >= seeds.Count) break;
                await Task.Delay(100).ConfigureAwait(false);
            }

            return (drafted, clock.Elapsed);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                host.Dispose();
            }

            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static IHost Build(YouTubeSandbox sandbox, string connectionString, string model, string instance, string folder)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ShawBot:Channel:ChannelId"] = sandbox.ChannelId,
            ["ShawBot:Store:Provider"] = "postgres",
            ["ShawBot:Store:ConnectionString"] = connectionString,
            ["ShawBot:Store:InstanceId"] = instance,
            ["ShawBot:YouTube:BaseUri"] = sandbox.BaseUri.ToString(),
            ["ShawBot:YouTube:Auth"] = "none",
            ["ShawBot:Screening:DetectLanguage"] = "false",
            ["ShawBot:Screening:RulesPath"] = Path.GetFullPath(Path.Combine("prompts", "screening.txt")),
            ["ShawBot:Poller:Interval"] = "00:00:00.200",
            ["ShawBot:Poller:DailyQuotaBudget"] = "1000000",
            ["ShawBot:Drafter:Interval"] = "00:00:00.200",
            ["ShawBot:Drafter:BatchSize"] = "1",   // claim one at a time, so the instances share the queue
            ["ShawBot:Publisher:Interval"] = "00:00:00.200",
            ["ShawBot:Engine:ModelPath"] = model,
            ["ShawBot:Engine:AdapterPath"] = Path.Combine(model, "adapter"),
            ["ShawBot:Engine:PromptsPath"] = Path.GetFullPath("prompts"),
            ["ShawBot:Engine:MaxNewTokens"] = "96",
            ["ShawBot:Adapters:Path"] = Path.Combine(folder, "adapters"),
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services
            .AddShawBotCore(builder.Configuration)
            .AddShawBotInfrastructure(builder.Configuration)
            .AddShawBotEngine(builder.Configuration)
            .AddAutoApproveModeration();
        return builder.Build();
    }
}
