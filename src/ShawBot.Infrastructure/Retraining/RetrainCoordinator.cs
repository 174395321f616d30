using System.Globalization;
using Microsoft.Extensions.Logging;
using ShawBot.Core.Ports;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Adapters;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>A run in progress, for "already running" answers and status pages.</summary>
/// <param name="Announced">The plan as first timed (the one the start report gave); null before that.</param>
public sealed record RetrainRunState(string RequestedBy, DateTimeOffset StartedAt, TrainProgress? Progress, TrainPlan? Announced = null);

/// <summary>A source's own retrain: its registry (where its run is recorded) and the runner scoped to it.</summary>
public sealed record SourceRetrain(string SourceId, AdapterRegistry Registry, IRetrainRunner Runner);

/// <summary>The sources that retrain on their own (ShawBot:Channels:N:AdapterPath), in the list's order.</summary>
public sealed class SourceRetrains(IReadOnlyList<SourceRetrain> items)
{
    public IReadOnlyList<SourceRetrain> Items { get; } = items;
}

/// <summary>
/// At most one retrain per process: the nightly job and on-demand requests (Discord, CLI, the local
/// admin endpoint) all come through here. A request while a run is going is refused with what that
/// run is doing. (Across processes the registry's lock file does the same.) A run retrains the global
/// voice, then each source with its own registry, one after another; each is reported on its own.
/// Reporters hear of a run twice: its plan once the first steps are timed (examples, steps, estimated
/// finish), and its outcome.
/// </summary>
public sealed class RetrainCoordinator : IRetrainTrigger, IRetrainProgress, IDisposable
{
    private readonly IRetrainRunner _runner;
    private readonly IEnumerable<IRetrainReporter> _reporters;
    private readonly ILogger<RetrainCoordinator> _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private RetrainRunState? _current;
    private Task<RetrainOutcome>? _running;
    private Task _announcing = Task.CompletedTask;

    private readonly IReadOnlyList<SourceRetrain> _sources;

    /// <param name="sources">Sources retrained after the global voice; null: none.</param>
    public RetrainCoordinator(IRetrainRunner runner, IEnumerable<IRetrainReporter> reporters, ILogger<RetrainCoordinator> logger, TimeProvider? time = null, SourceRetrains? sources = null)
    {
        _runner = runner;
        _sources = sources?.Items ?? [];
        _reporters = reporters;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The run in progress, or null.</summary>
    public RetrainRunState? Current { get { lock (_gate) return _current; } }

    /// <summary>The last finished run in this process.</summary>
    public RetrainOutcome? LastOutcome { get; private set; }

    /// <summary>For the web page: the running retrain (phase dataset → training → evaluating), else the last one.</summary>
    RetrainProgress? IRetrainProgress.Current
    {
        get
        {
            if (Current is { } run)
            {
                var p = run.Progress;
                string phase = p is null ? "dataset" : p.Step >= p.TotalSteps && p.EvalLoss is not null ? "evaluating" : "training";
                return new RetrainProgress(true, phase, p?.Step ?? 0, p?.TotalSteps ?? 0, p?.TrainLoss, run.StartedAt, $"requested by {run.RequestedBy}")
                {
                    Plan = PlanInfo(run.Announced ?? p?.Plan), TokensPerSecond = p?.TokensPerSecond, Eta = p?.Plan?.EstimatedFinish,
                };
            }
            if (LastOutcome is not { } o) return null;
            string done = o.Kind switch
            {
                RetrainOutcomeKind.Promoted or RetrainOutcomeKind.NotPromoted => "done",
                RetrainOutcomeKind.Failed => "failed",
                _ => o.Kind.ToString().ToLowerInvariant(),
            };
            return new RetrainProgress(false, done, o.Training?.Steps ?? 0, o.Training?.Steps ?? 0, o.Training?.FinalTrainLoss, o.StartedAt, o.Summary)
            {
                Plan = PlanInfo(o.AnnouncedPlan ?? o.Training?.Plan), FinishedAt = o.FinishedAt,
            };
        }
    }

    private static RetrainPlanInfo? PlanInfo(TrainPlan? p) => p is null ? null : new(p.Examples, p.PlannedSteps, p.Budget, p.EstimatedFinish);

    /// <summary>Starts a run in the background unless one is going; <paramref name="run"/> completes with its outcome.</summary>
    public bool TryStart(RetrainRequest request, out Task<RetrainOutcome> run, out string? refusal, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_current is { } busy)
            {
                run = Task.FromResult(new RetrainOutcome(RetrainOutcomeKind.Busy, Describe(busy), request.RequestedBy, _time.GetUtcNow(), _time.GetUtcNow()));
                refusal = Describe(busy);
                return false;
            }
            var state = new RetrainRunState(request.RequestedBy, _time.GetUtcNow(), null);
            _current = state;
            var linked = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, cancellationToken);
            _running = run = Task.Run(() => RunAsync(request, linked), CancellationToken.None);
            refusal = null;
            return true;
        }
    }

    /// <summary>Runs now and waits (the scheduled job); a run already going makes this one a no-op that says so.</summary>
    public Task<RetrainOutcome> RunAsync(RetrainRequest request, CancellationToken cancellationToken)
    {
        if (!TryStart(request, out var run, out var refusal, cancellationToken))
            _logger.LogInformation("Retrain requested by {RequestedBy} not started: {Reason}", request.RequestedBy, refusal);
        return run;
    }

    public Task<AdminActionResult> TriggerRetrainAsync(string requestedBy, CancellationToken cancellationToken)
    {
        // The run outlives the request that started it: only shutdown stops it.
        if (!TryStart(new RetrainRequest(requestedBy), out _, out var refusal))
            return Task.FromResult(new AdminActionResult(false, refusal!));
        return Task.FromResult(new AdminActionResult(true, "Retrain started: the report follows when it ends."));
    }

    /// <summary>Waits for the run in progress, if any (tests, shutdown).</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate) return _running is { IsCompleted: false } r ? r : Task.CompletedTask;
    }

    private string Describe(RetrainRunState s)
    {
        string progress = s.Progress is { } p ? string.Create(CultureInfo.InvariantCulture, $", step {p.Step}/{p.TotalSteps}, loss {p.TrainLoss:0.000}") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"A retrain is already running (started {s.StartedAt:yyyy-MM-dd HH:mm:ss} UTC by {s.RequestedBy}{progress}); this request does nothing.");
    }

    /// <summary>
    /// The global voice, then each source's; returns (and keeps as <see cref="LastOutcome"/>) the global run's
    /// outcome. The reports follow once the last run has ended (a new request may start then).
    /// </summary>
    private async Task<RetrainOutcome> RunAsync(RetrainRequest request, CancellationTokenSource linked)
    {
        RetrainOutcome outcome;
        var own = new List<(SourceRetrain Source, RetrainOutcome Outcome)>();
        try
        {
            outcome = await RunOneAsync(_runner, null, request, linked.Token).ConfigureAwait(false);
            foreach (var source in _sources)
            {
                if (linked.IsCancellationRequested) break;
                own.Add((source, await RunOneAsync(source.Runner, source.SourceId, request, linked.Token).ConfigureAwait(false)));
            }
        }
        finally
        {
            linked.Dispose();
        }

        Task announcing;
        lock (_gate)
        {
            outcome = outcome with { AnnouncedPlan = _current?.Announced };
            _current = null;
            announcing = _announcing;
        }
        await announcing.ConfigureAwait(false);             // the start report goes out before the end's
        LastOutcome = outcome;
        await ReportAllAsync("end", (r, ct) => r.ReportAsync(outcome, ct)).ConfigureAwait(false);
        foreach (var (source, result) in own)
        {
            if (result.Kind != RetrainOutcomeKind.Busy)
                source.Registry.RecordRun(new RetrainRunRecord(result.FinishedAt, result.Kind.ToString(), result.Summary, result.Version?.Name));
            await ReportAllAsync("end", (r, ct) => r.ReportAsync(result, ct)).ConfigureAwait(false);
        }
        return outcome;
    }

    private async Task<RetrainOutcome> RunOneAsync(IRetrainRunner runner, string? sourceId, RetrainRequest request, CancellationToken cancellationToken)
    {
        RetrainOutcome outcome;
        try
        {
            var progress = new InlineProgress(Progressed);
            outcome = await runner.RunAsync(request, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = new RetrainOutcome(RetrainOutcomeKind.Interrupted, "stopped by shutdown; the next run resumes", request.RequestedBy, Current?.StartedAt ?? _time.GetUtcNow(), _time.GetUtcNow());
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Retrain requested by {RequestedBy} for {Source} failed", request.RequestedBy, sourceId ?? "the global voice");
            outcome = new RetrainOutcome(RetrainOutcomeKind.Failed, $"failed: {e.Message}", request.RequestedBy, Current?.StartedAt ?? _time.GetUtcNow(), _time.GetUtcNow());
        }
        // The runner names its source; outcomes made here (failed, interrupted) get it too.
        return sourceId is null || outcome.Source is not null ? outcome : outcome with { Source = sourceId };
    }

    /// <summary>
    /// On the training thread: keeps the latest progress and, the first time the plan has an estimated
    /// finish, announces it to the reporters in the background (training does not wait for Discord).
    /// </summary>
    private void Progressed(TrainProgress p)
    {
        RetrainStart? start = null;
        lock (_gate)
        {
            if (_current is null) return;
            var announced = _current.Announced;
            if (announced is null && p.Plan is { EstimatedFinish: not null } plan)
            {
                announced = plan;
                start = new RetrainStart(_current.RequestedBy, _current.StartedAt, plan);
            }
            _current = _current with { Progress = p, Announced = announced };
            if (start is not null) _announcing = Task.Run(() => ReportAllAsync("start", (r, ct) => r.ReportStartAsync(start, ct)));
        }
    }

    /// <summary>Each reporter in turn; one that fails is logged and the next goes on (shutdown stops them all).</summary>
    private async Task ReportAllAsync(string which, Func<IRetrainReporter, CancellationToken, Task> report)
    {
        foreach (var reporter in _reporters)
        {
            try { await report(reporter, _stopping.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "Retrain {Which} report through {Reporter} failed", which, reporter.GetType().Name);
            }
            catch (OperationCanceledException) { break; }
        }
    }

    /// <summary>Stops a run in progress (it saves a checkpoint); the source is left undisposed for reporters still finishing.</summary>
    public void Dispose() => _stopping.Cancel();

    private sealed class InlineProgress(Action<TrainProgress> report) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => report(value);
    }
}
