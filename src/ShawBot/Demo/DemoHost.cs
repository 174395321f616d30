using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ShawBot.Cli.Hosting;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Store;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Cli.Demo;

/// <summary>
/// `shawbot demo` in one process: the YouTube sandbox seeded from a JSONL file (comments trickle in), the
/// whole service against it with SQLite in a state folder, and the moderation page. Stopping and starting
/// again resumes: the sandbox is rebuilt from the store (same thread ids, posted replies included) and the
/// trickle goes on from where it stopped.
/// </summary>
public sealed partial class DemoHost : IAsyncDisposable
{
    private const string ProgressFile = "demo.json";

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private Task _trickle = Task.CompletedTask;

    private DemoHost(YouTubeSandbox sandbox, WebApplication app, DemoOptions options, bool usesEngine)
    {
        Sandbox = sandbox;
        _app = app;
        Options = options;
        UsesEngine = usesEngine;
    }

    public YouTubeSandbox Sandbox { get; }

    public DemoOptions Options { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The page, e.g. http://127.0.0.1:5080/.</summary>
    public Uri PageUri { get; private set; } = new("http://127.0.0.1/");

    /// <summary>False when the model folder was missing and the stub writer drafts.</summary>
    public bool UsesEngine { get; }

    public string AdaptersDirectory => Path.Combine(Options.StateDirectory, "adapters");

    /// <summary>Starts the sandbox, then the service and page; returns once the page listens.</summary>
    /// <param name="services">Extra registrations (tests register a fake retrain trigger here).</param>
    public static async Task<DemoHost> StartAsync(DemoOptions options, Action<IServiceCollection>? services = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var state = Path.GetFullPath(options.StateDirectory);
        if (options.Reset && Directory.Exists(state))
        {
            // Pooled connections would keep the deleted database open and be handed to the new store.
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(state, recursive: true);
        }

        Directory.CreateDirectory(state);
        options = options with { StateDirectory = state };
        var seeds = SeedComment.ReadJsonlFile(options.SeedFile);

        var sandbox = new YouTubeSandbox();
        await sandbox.StartAsync(cancellationToken).ConfigureAwait(false);
        bool usesEngine = options.ModelDirectory is { } model && File.Exists(Path.Combine(model, "config.json"));
        SeedAdapterRegistry(options);
        var settings = Settings(options, sandbox, usesEngine);

        WebApplication app;
        try
        {
            app = ServiceHost.Build(state, c => c.AddInMemoryCollection(settings), (s, _) => services?.Invoke(s));
        }
        catch
        {
            await sandbox.StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var host = new DemoHost(sandbox, app, options, usesEngine);
        try
        {
            // Migrate and rebuild the sandbox's world from the store before the poller first looks at it.
            var store = app.Services.GetRequiredService<SqliteCommentStore>();
            await store.MigrateAsync().ConfigureAwait(false);
            var next = await host.RestoreAsync(store, cancellationToken).ConfigureAwait(false);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            host.PageUri = ServiceHost.PageAddress(app) ?? host.PageUri;
            host._trickle = host.TrickleAsync(seeds, next, host._stop.Token);
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Resolves when the host stops (Ctrl+C or <see cref="IHostApplicationLifetime.StopApplication"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _trickle.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await Sandbox.StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stop.Dispose();
    }

    private static Dictionary<string, string?> Settings(DemoOptions options, YouTubeSandbox sandbox, bool usesEngine)
    {
        var s = new Dictionary<string, string?>
        {
            ["ShawBot:Channel:ChannelId"] = sandbox.ChannelId,
            ["ShawBot:Store:DatabasePath"] = Path.Combine(options.StateDirectory, "shawbot.db"),
            ["ShawBot:YouTube:BaseUri"] = sandbox.BaseUri.ToString(),
            ["ShawBot:YouTube:Auth"] = "none",
            ["ShawBot:YouTube:RetryBaseDelay"] = "00:00:00.200",
            ["ShawBot:Poller:Interval"] = "00:00:01",
            ["ShawBot:Poller:DailyQuotaBudget"] = "1000000",
            ["ShawBot:Drafter:Interval"] = "00:00:00.500",
            ["ShawBot:Publisher:Interval"] = "00:00:00.500",
            ["ShawBot:Web:Address"] = "127.0.0.1",
            ["ShawBot:Web:Port"] = options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ShawBot:Web:AdaptersPath"] = Path.Combine(options.StateDirectory, "adapters"),
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Logging:LogLevel:System.Net.Http"] = "Warning",
        };
        if (options.PromptsDirectory is { } promptFolder && File.Exists(Path.Combine(promptFolder, "screening.txt")))
        {
            s["ShawBot:Screening:RulesPath"] = Path.Combine(promptFolder, "screening.txt");
        }

        if (usesEngine)
        {
            var model = Path.GetFullPath(options.ModelDirectory!);
            s["ShawBot:Engine:ModelPath"] = model;
            s["ShawBot:Engine:MaxNewTokens"] = options.MaxNewTokens.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["ShawBot:Engine:Temperature"] = "0.7";
            s["ShawBot:Engine:TopP"] = "0.9";
            if (options.PromptsDirectory is { } prompts)
            {
                s["ShawBot:Engine:PromptsPath"] = prompts;
            }

            // "Retrain now" on the page: a short QLoRA-style run on the curated replies plus the seed set,
            // promoted when it beats the live adapter (the nightly 03:00 schedule stays on too).
            s["ShawBot:Retrain:AdaptersPath"] = Path.Combine(options.StateDirectory, "adapters");
            s["ShawBot:Retrain:SchedulerDatabasePath"] = Path.Combine(options.StateDirectory, "scheduler.db");
            s["ShawBot:Retrain:SeedDataPath"] = Cli.Commands.AppPaths.Find(Path.Combine("data", "seed-replies.jsonl"));
            s["ShawBot:Retrain:MinNewExamples"] = "0";
            s["ShawBot:Retrain:Rank"] = "16";
            s["ShawBot:Retrain:Alpha"] = "32";
            s["ShawBot:Retrain:Targets"] = "all-linear";
            s["ShawBot:Retrain:LearningRate"] = "0.003";
            s["ShawBot:Retrain:BatchSize"] = "8";
            s["ShawBot:Retrain:GradientAccumulation"] = "1";
            s["ShawBot:Retrain:Epochs"] = "1";
            s["ShawBot:Retrain:MaxSteps"] = "24";
            s["ShawBot:Retrain:SampleCount"] = "2";

            // The registry's live version (drafts then name it, e.g. v0001), else the model's own adapter.
            if ((ActiveRegistryAdapter(options) ?? DefaultAdapter(options)) is { } adapter)
            {
                s["ShawBot:Engine:AdapterPath"] = adapter;
            }
        }

        foreach (var (key, value) in options.Settings)
        {
            s[key] = value;
        }

        return s;
    }

    /// <summary>The demo model's own adapter (model/adapter), if it ships one.</summary>
    private static string? DefaultAdapter(DemoOptions options) =>
        options.ModelDirectory is { } model && File.Exists(Path.Combine(model, "adapter", "adapter_config.json"))
            ? Path.GetFullPath(Path.Combine(model, "adapter"))
            : null;

    private static string? ActiveRegistryAdapter(DemoOptions options)
    {
        var registry = Path.Combine(options.StateDirectory, "adapters");
        var pointer = Path.Combine(registry, "active");
        if (!File.Exists(pointer))
        {
            return null;
        }

        var version = File.ReadAllText(pointer).Trim();
        var dir = Path.Combine(registry, version);
        return Infrastructure.Web.AdapterRegistryReader.IsVersionName(version) && File.Exists(Path.Combine(dir, "adapter_config.json")) ? dir : null;
    }

    /// <summary>A first run lists the model's adapter as v0001 so the page has a version to show.</summary>
    private static void SeedAdapterRegistry(DemoOptions options)
    {
        var registry = Path.Combine(options.StateDirectory, "adapters");
        if (Directory.Exists(registry) || DefaultAdapter(options) is not { } adapter)
        {
            return;
        }

        var v1 = Path.Combine(registry, "v0001");
        Directory.CreateDirectory(v1);
        foreach (var file in Directory.EnumerateFiles(adapter))
        {
            File.Copy(file, Path.Combine(v1, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(registry, "active"), "v0001\n");
    }

    /// <summary>Puts every stored comment back into the sandbox; returns how many seeds were already used.</summary>
    private async Task<int> RestoreAsync(SqliteCommentStore store, CancellationToken cancellationToken)
    {
        var posted = (await store.ListPostedRepliesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.CommentId);
        var restored = 0;
        foreach (var state in Enum.GetValues<CommentState>())
        {
            foreach (var tracked in await store.ListByStateAsync(state, int.MaxValue, cancellationToken).ConfigureAwait(false))
            {
                var c = tracked.Comment;
                Sandbox.RestoreComment(c.CommentId, new SeedComment(c.VideoId, c.VideoTitle, c.AuthorDisplayName, c.Text), c.AuthorChannelId);
                if (posted.TryGetValue(c.CommentId, out var reply))
                {
                    Sandbox.AddOwnerReply(c.ThreadId, reply.Text);
                }

                restored++;
            }
        }

        var next = ReadProgress();
        if (restored > 0)
        {
            LogResumed(_app.Services.GetRequiredService<ILogger<DemoHost>>(), restored, Options.StateDirectory);
        }

        return next;
    }

    private async Task TrickleAsync(IReadOnlyList<SeedComment> seeds, int next, CancellationToken cancellationToken)
    {
        var logger = _app.Services.GetRequiredService<ILogger<DemoHost>>();
        try
        {
            for (var i = next; i < seeds.Count; i++)
            {
                if (i >= Math.Max(next, Options.InitialComments))
                {
                    await Task.Delay(Options.TrickleInterval, cancellationToken).ConfigureAwait(false);
                }

                Sandbox.AddComment(seeds[i]);
                WriteProgress(i + 1);
            }

            LogSeedsDone(logger, seeds.Count);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogTrickleFailed(logger, ex);
        }
    }

    private int ReadProgress()
    {
        try
        {
            var path = Path.Combine(Options.StateDirectory, ProgressFile);
            return File.Exists(path) ? JsonSerializer.Deserialize<DemoProgress>(File.ReadAllText(path))?.SeedsAdded ?? 0 : 0;
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    private void WriteProgress(int seedsAdded)
    {
        var path = Path.Combine(Options.StateDirectory, ProgressFile);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(new DemoProgress(seedsAdded)));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private sealed record DemoProgress(int SeedsAdded);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed {Count} comments from {StateDirectory}")]
    private static partial void LogResumed(ILogger logger, int count, string stateDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "All {Count} demo comments have arrived")]
    private static partial void LogSeedsDone(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Demo comment trickle stopped")]
    private static partial void LogTrickleFailed(ILogger logger, Exception exception);
}
