using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Cli.Hosting;
using ShawBot.Core;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Store;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Cli.Demo;

/// <summary>
/// `shawbot demo` in one process: the YouTube sandbox seeded from a JSONL file (comments trickle in), the
/// whole service against it with SQLite in a state folder, and the moderation page. Stopping and starting
/// again resumes: the sandbox is rebuilt from the store (same thread ids, posted replies included) and the
/// trickle goes on from where it stopped. A sandboxed Discord server (<see cref="DemoCommunity"/>) is the
/// second source: a handful of questions in its #ask-shawbot channel.
/// </summary>
public sealed partial class DemoHost : IAsyncDisposable
{
    private const string ProgressFile = "demo.json";

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private Task _trickle = Task.CompletedTask;
    private Task _questions = Task.CompletedTask;
    private Task _measure = Task.CompletedTask;
    private ModelPreload? _preload;

    private DemoHost(YouTubeSandbox sandbox, DemoCommunity community, WebApplication app, DemoOptions options, bool usesEngine)
    {
        Sandbox = sandbox;
        Community = community;
        _app = app;
        Options = options;
        UsesEngine = usesEngine;
    }

    public YouTubeSandbox Sandbox { get; }

    /// <summary>The sandboxed Discord server whose questions are the demo's second source.</summary>
    public DemoCommunity Community { get; }

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
        bool usesEngine = options.ModelDirectory is { } model && File.Exists(Path.Combine(model, "config.json"));
        // The weights and the tokenizer load on the other core while the sandboxes and the host start
        // (≈ 0.4 s of the tiny model's start-up, which otherwise came after all of it).
        var preload = usesEngine && EngineSpec(options) is { } spec ? ModelPreload.Start(spec) : null;

        var sandbox = new YouTubeSandbox();
        await sandbox.StartAsync(cancellationToken).ConfigureAwait(false);
        var community = await DemoCommunity.StartAsync(cancellationToken).ConfigureAwait(false);
        var settings = Settings(options, sandbox, usesEngine);
        community.AddSettings(settings);
        foreach (var (key, value) in options.Settings)
        {
            settings[key] = value;
        }

        WebApplication app;
        try
        {
            app = ServiceHost.Build(state, c => c.AddInMemoryCollection(settings), (s, _) =>
            {
                if (preload is not null)
                {
                    s.AddSingleton(preload);
                }

                services?.Invoke(s);
            });
        }
        catch
        {
            preload?.Dispose();
            await sandbox.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await community.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var host = new DemoHost(sandbox, community, app, options, usesEngine) { _preload = preload };
        try
        {
            // Migrate and rebuild the sandbox's world from the store before the poller first looks at it.
            var store = app.Services.GetRequiredService<SqliteCommentStore>();
            await store.MigrateAsync().ConfigureAwait(false);
            var next = await host.RestoreAsync(store, cancellationToken).ConfigureAwait(false);
            // The comments that are there at once arrive before the service starts, so the poller's first sweep
            // (as the host starts) finds them; added after, they waited a whole poll interval.
            next = host.AddInitialComments(seeds, next);
            var seeded = usesEngine ? SeedAdapterRegistry(app.Services, options) : null;

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            host.PageUri = ServiceHost.PageAddress(app) ?? host.PageUri;
            if (seeded is not null)
            {
                bool commentsWaiting = next > 0;
                host._measure = Task.Run(async () =>
                {
                    // The evaluation takes the cores for a second or two: after the first draft, which a new user waits for.
                    if (commentsWaiting)
                    {
                        await FirstDraftAsync(store, FirstDraftWait, host._stop.Token).ConfigureAwait(false);
                    }

                    if (!host._stop.IsCancellationRequested)
                    {
                        MeasureSeededAdapter(app.Services, seeded, host._stop.Token);
                    }
                }, CancellationToken.None);
            }

            host._trickle = host.TrickleAsync(seeds, next, host._stop.Token);
            host._questions = community.AskAsync(app.Services, state, options.DiscordQuestions, options.TrickleInterval * 2, host._stop.Token);
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
            await Task.WhenAll(_trickle, _questions, _measure).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await Sandbox.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await Community.DisposeAsync().ConfigureAwait(false);
        _preload?.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// The model the engine will load: the demo's folder, unless the settings name another folder or format
    /// (bound as the host binds them). Null when a setting does not bind; the host then reports it.
    /// </summary>
    private static LocalModelSpec? EngineSpec(DemoOptions options)
    {
        EngineOptions engine;
        try
        {
            engine = new ConfigurationBuilder().AddInMemoryCollection(options.Settings).Build().BindOptions<EngineOptions>(EngineOptions.Section);
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(engine.ModelPath))
        {
            engine.ModelPath = Path.GetFullPath(options.ModelDirectory!);
        }

        return engine.ModelSpec();
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
            ["ShawBot:Adapters:Path"] = Path.Combine(options.StateDirectory, "adapters"),
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
            s["ShawBot:Retrain:Enabled"] = "true";
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
        }

        return s; // options.Settings are applied by the caller, after the Discord sandbox's.
    }

    /// <summary>The demo model's own adapter (model/adapter), if it ships one.</summary>
    private static string? DefaultAdapter(DemoOptions options) =>
        options.ModelDirectory is { } model && File.Exists(Path.Combine(model, "adapter", "adapter_config.json"))
            ? Path.GetFullPath(Path.Combine(model, "adapter"))
            : null;

    /// <summary>
    /// A first run adds the model's own adapter to the registry as v0001 and makes it live, so drafts name
    /// v0001 and the page lists it; its eval loss on the seed replies' held-out part is measured once the
    /// page is up (<see cref="MeasureSeededAdapter"/>: the first draft does not wait for an evaluation).
    /// Later runs find the registry's pointer, which the engine follows when it loads. Returns the
    /// version added, or null.
    /// </summary>
    private static string? SeedAdapterRegistry(IServiceProvider services, DemoOptions options)
    {
        var live = services.GetRequiredService<LiveAdapter>();
        if (live.Registry.List().Count > 0 || live.Registry.HasExplicitBaseModel || DefaultAdapter(options) is not { } adapter)
        {
            return null;
        }

        var retrain = services.GetRequiredService<IOptions<RetrainOptions>>().Value;
        var version = AdapterImport.AddAndActivate(services.GetRequiredService<LanguageModel>(), live, adapter, SeedExamples(retrain), retrain, "demo",
            "the demo model's own adapter", services.GetService<TimeProvider>());
        return version.Name;
    }

    /// <summary>How long the seeded adapter's evaluation waits for the first draft before it runs anyway.</summary>
    private static readonly TimeSpan FirstDraftWait = TimeSpan.FromSeconds(20);

    /// <summary>Completes once a comment has a draft (or was decided past one), or after <paramref name="wait"/>, or on stop.</summary>
    private static async Task FirstDraftAsync(SqliteCommentStore store, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + wait;
        try
        {
            while (DateTimeOffset.UtcNow < deadline)
            {
                var counts = await store.CountByStateAsync(cancellationToken).ConfigureAwait(false);
                if (counts.Any(c => c.Value > 0 && c.Key is not (CommentState.New or CommentState.Drafting or CommentState.Skipped)))
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: MeasureSeededAdapter sees the token and does nothing.
        }
    }

    private static void MeasureSeededAdapter(IServiceProvider services, string version, CancellationToken cancellationToken)
    {
        var logger = services.GetRequiredService<ILogger<DemoHost>>();
        try
        {
            var retrain = services.GetRequiredService<IOptions<RetrainOptions>>().Value;
            var live = services.GetRequiredService<LiveAdapter>();
            var measured = AdapterImport.MeasureEvalLoss(services.GetRequiredService<LanguageModel>(), live, version, SeedExamples(retrain), retrain, cancellationToken: cancellationToken);
            LogSeededAdapter(logger, version, DemoAdapterFolder(live, version), measured.Metadata.EvalLoss);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogMeasureFailed(logger, version, ex);
        }
    }

    private static string DemoAdapterFolder(LiveAdapter live, string version) => live.Registry.Get(version)?.Path ?? version;

    private static List<ReplyExample> SeedExamples(RetrainOptions retrain) =>
        retrain.SeedDataPath is { Length: > 0 } path ? ReplyDataset.LoadJsonl(path) : [];

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

    /// <summary>Adds the seeds before <see cref="DemoOptions.InitialComments"/> not yet added; returns the next seed's index.</summary>
    private int AddInitialComments(IReadOnlyList<SeedComment> seeds, int next)
    {
        for (; next < Math.Min(Options.InitialComments, seeds.Count); next++)
        {
            Sandbox.AddComment(seeds[next]);
            WriteProgress(next + 1);
        }

        return next;
    }

    /// <summary>The rest of the seeds, one every <see cref="DemoOptions.TrickleInterval"/>.</summary>
    private async Task TrickleAsync(IReadOnlyList<SeedComment> seeds, int next, CancellationToken cancellationToken)
    {
        var logger = _app.Services.GetRequiredService<ILogger<DemoHost>>();
        try
        {
            for (var i = next; i < seeds.Count; i++)
            {
                await Task.Delay(Options.TrickleInterval, cancellationToken).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not measure adapter {Version}'s eval loss on the seed replies")]
    private static partial void LogMeasureFailed(ILogger logger, string version, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {Version} ({Folder}) is live; its eval loss on the seed replies is {EvalLoss:0.0000}")]
    private static partial void LogSeededAdapter(ILogger logger, string version, string folder, double? evalLoss);

    [LoggerMessage(Level = LogLevel.Information, Message = "All {Count} demo comments have arrived")]
    private static partial void LogSeedsDone(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Demo comment trickle stopped")]
    private static partial void LogTrickleFailed(ILogger logger, Exception exception);
}
