using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Ports;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Retrieval;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Reporting;
using ShawBot.Infrastructure.Screening;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>One retrain, start to end. Implemented by <see cref="RetrainRunner"/>; tests substitute it.</summary>
public interface IRetrainRunner
{
    Task<RetrainOutcome> RunAsync(RetrainRequest request, IProgress<TrainProgress>? progress, CancellationToken cancellationToken);
}

/// <summary>
/// The nightly job: dataset (curated + seed, deduplicated, split by id) → QLoRA training on a
/// below-normal thread, resumable from adapters/.training → eval of the new and the active adapter
/// on the same held-out set → sample replies → a new registry version → promotion and a live swap
/// when eval loss improves by the margin.
/// </summary>
public sealed class RetrainRunner(
    LanguageModel model,
    ICommentStore store,
    AdapterRegistry registry,
    LiveAdapter live,
    IOptions<RetrainOptions> options,
    ILogger<RetrainRunner> logger,
    TimeProvider? time = null,
    ChannelVoices? voices = null,
    string? sourceId = null,
    CommentLanguages? languages = null) : IRetrainRunner
{
    private const string RunFile = "run.json";
    private const string PlanFile = "plan-ids.txt";
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ChannelRetrainScope _scope = new(model, registry, voices, sourceId);

    public async Task<RetrainOutcome> RunAsync(RetrainRequest request, IProgress<TrainProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var o = options.Value;
        var started = _time.GetUtcNow();
        RetrainOutcome Done(RetrainOutcomeKind kind, string message) => new(kind, message, request.RequestedBy, started, _time.GetUtcNow()) { Source = _scope.SourceName };

        using var processLock = registry.TryLock();
        if (processLock is null)
            return Done(RetrainOutcomeKind.Busy, $"another process is retraining into {registry.Root}");
        registry.CleanUpIncomplete();

        var curated = (await store.ListCuratedExamplesAsync(cancellationToken).ConfigureAwait(false)).Where(c => _scope.Includes(c.CommentId, c.SourceId)).ToList();
        // The seed file's held-out lines (HeldOutSplit) are never trained on.
        var seed = o.SeedDataPath is { Length: > 0 } seedPath ? HeldOutSplit.Load(seedPath, DataPart.Train) : [];
        // Each example's prompt gets the language line its draft got (drafting's detector; null when detection is off).
        var languageOf = languages is null ? null : await languages.ReadyAsync(CommentLanguages.DefaultWait, _time, cancellationToken).ConfigureAwait(false);
        var dataset = RetrainDataset.Build(curated, seed, o.EvalFraction, languageOf);
        var latest = registry.Latest;
        var previousIds = latest is null ? new HashSet<string>() : registry.DatasetIds(latest);
        int newExamples = dataset.CuratedIds.Count(id => !previousIds.Contains(id));
        bool resuming = ReadFingerprint(registry.TrainingFolder) is not null;     // an unfinished plan goes on regardless
        if (latest != null && newExamples < o.MinNewExamples && !request.Force && !resuming)
            return Done(RetrainOutcomeKind.Skipped, $"skipped: {newExamples} new curated example(s) since {latest.Name}, {o.MinNewExamples} needed") with { DatasetSize = dataset.Count, NewExamples = newExamples };
        if (dataset.Train.Count == 0 || dataset.Eval.Count == 0)
            return Done(RetrainOutcomeKind.Skipped, $"skipped: {dataset.Count} example(s) after deduplication; need at least 2 (one to train on, one to evaluate)") with { DatasetSize = dataset.Count };

        // Touching Model loads the base once (a no-op when the service already loaded it).
        var llm = model.Model;
        var (compareWith, compareName) = AdapterToCompare();
        var (trainOptions, train) = PlanTraining(o, dataset, _scope.Live?.Version);
        // The budget is the whole run's: what the dataset and the model load took comes off the trainer's share.
        if (o.TimeBudget > TimeSpan.Zero)
            trainOptions = trainOptions with { TimeBudget = TimeSpan.FromTicks(Math.Max(1, (o.TimeBudget - (_time.GetUtcNow() - started)).Ticks)) };
        trainOptions = trainOptions with { VoiceMemory = model.Options.VoiceMemory() };
        var trainer = new Trainer(llm, model.Tokenizer, _scope.Prompt.Template, trainOptions);
        logger.LogInformation("Retrain requested by {RequestedBy}: {Examples} examples ({Curated} curated, {New} new, {Seed} seed), {Train} train / {Eval} eval, dataset {Hash}",
            request.RequestedBy, dataset.Count, dataset.CuratedCount, newExamples, dataset.SeedCount, dataset.Train.Count, dataset.Eval.Count, dataset.Hash[..12]);

        var work = await BelowNormalThread.Run("shawbot-retrain", () => TrainAndEvaluate(trainer, dataset, train, trainOptions, compareWith, progress, cancellationToken), o.LowPriority).ConfigureAwait(false);
        if (work is null)
            return Done(RetrainOutcomeKind.Interrupted, "stopped before the end of training; the checkpoint in adapters/.training resumes on the next run") with { DatasetSize = dataset.Count, NewExamples = newExamples };

        double margin = o.PromotionMargin;
        bool promote = !double.IsNaN(work.NewLoss) && (double.IsNaN(work.ComparedLoss) || work.NewLoss < work.ComparedLoss * (1 - margin));
        string decision = promote
            ? $"eval loss improved by {Improvement(work):0.0%} (margin {margin:0.0%})"
            : $"eval loss {(work.NewLoss < work.ComparedLoss ? $"improved by only {Improvement(work):0.0%}" : $"did not improve ({Improvement(work):+0.0%;-0.0%})")}, margin {margin:0.0%}: {compareName} stays";
        // The trainer recorded the numbers; the plots for the page and the report are drawn here.
        LossCurvePlot.WriteBoth(LossCurve.Load(Path.Combine(registry.TrainingFolder, LossCurve.FileName)), registry.TrainingFolder);
        if (!work.Training.PlanFinished && work.Training.Plan is { } plan)
            decision += $"; time budget {o.TimeBudget} ended the plan at step {work.Training.Steps}/{plan.TotalSteps}, the next run resumes it";
        var createdAt = _time.GetUtcNow();
        var version = registry.AddVersion(registry.TrainingFolder, name => new AdapterMetadata
        {
            Version = name, CreatedAt = createdAt, BaseModel = model.Name, DatasetSize = dataset.Count, TrainExamples = dataset.Train.Count,
            EvalExamples = dataset.Eval.Count, CuratedExamples = dataset.CuratedCount, SeedExamples = dataset.SeedCount, DatasetHash = dataset.Hash,
            Steps = work.Training.Steps, FinalTrainLoss = work.Training.FinalTrainLoss, EvalLoss = work.NewLoss, ComparedWith = compareName,
            ComparedEvalLoss = double.IsNaN(work.ComparedLoss) ? null : work.ComparedLoss, Promoted = promote, Decision = decision,
            RequestedBy = request.RequestedBy, Rank = o.Rank, Alpha = o.Alpha, Targets = o.Targets, LearningRate = o.LearningRate,
            Epochs = o.Epochs, MaxSteps = o.MaxSteps,
        }, dataset.CuratedIds, new[] { LossCurve.FileName, LossCurvePlot.SvgFile, LossCurvePlot.PngFile, "metrics.json" }.Select(f => Path.Combine(registry.TrainingFolder, f)));
        if (work.Training.PlanFinished) DeleteFolder(registry.TrainingFolder);

        // The candidate's weights are the version's files: they go live as they are, not read from disk again.
        if (promote && _scope.SourceId is null) live.Activate(version.Name, request.RequestedBy, decision, loaded: work.Candidate);
        else if (promote) registry.SetActive(version.Name, request.RequestedBy, decision);      // the source's next draft loads it (ChannelVoices reads the pointer)
        var outcome = Done(promote ? RetrainOutcomeKind.Promoted : RetrainOutcomeKind.NotPromoted, decision) with
        {
            Version = version, NewEvalLoss = work.NewLoss, ComparedEvalLoss = double.IsNaN(work.ComparedLoss) ? null : work.ComparedLoss,
            ComparedWith = compareName, DatasetSize = dataset.Count, NewExamples = newExamples, Training = work.Training, Samples = work.Samples,
        };
        return outcome;
    }

    private static double Improvement(TrainedCandidate w) => double.IsNaN(w.ComparedLoss) ? double.NaN : (w.ComparedLoss - w.NewLoss) / w.ComparedLoss;

    /// <summary>The live adapter as a private copy from its files (the live object is drafting), or the base.</summary>
    private (LoraAdapter? Adapter, string Name) AdapterToCompare()
    {
        var live = _scope.Live;
        if (live is null) return (null, "base");
        if (AdapterRegistry.IsVersionName(live.Version) && registry.Get(live.Version) is { } v)
            return (PeftAdapterFiles.Load(v.Path, model.Model.Config, v.Name), v.Name);
        return (live, live.Version);
    }

    private sealed record TrainedCandidate(TrainResult Training, LoraAdapter Candidate, double NewLoss, double ComparedLoss, IReadOnlyList<SampleReply> Samples);

    /// <summary>Runs on the below-normal thread. Null when cancelled (a checkpoint was saved).</summary>
    /// <summary>
    /// Warm start (unless off or nothing is live): continue from the active version's weights on the
    /// curated examples it has not seen plus a replay sample of the rest of the training split
    /// (ReplayRatio : 1, fixed seed); otherwise from scratch on the whole training split. Eval is
    /// the held-out split either way, never drawn from.
    /// </summary>
    private (TrainOptions Options, IReadOnlyList<KeyedExample> Train) PlanTraining(RetrainOptions o, RetrainDataset dataset, string? liveVersion)
    {
        // Inside the budget: the trainer's last evaluation, then the candidate's and the live adapter's here.
        var options = o.ToTrainOptions(model.Name) with { ReserveEvaluations = 3 };
        if (!o.WarmStart || liveVersion is null || !AdapterRegistry.IsVersionName(liveVersion) || registry.Get(liveVersion) is not { } live)
            return (options, dataset.Train);
        var seen = registry.DatasetIds(live);
        var fresh = dataset.Train.Where(e => e.Curated && !seen.Contains(e.Id)).ToList();
        var older = dataset.Train.Where(e => !e.Curated || seen.Contains(e.Id)).ToList();
        logger.LogInformation("Warm start from {Version}: {Fresh} new example(s) + replay of {Older} older at {Ratio}:1", live.Name, fresh.Count, older.Count, o.ReplayRatio);
        return (options with { WarmStartPath = live.Path }, ReplaySample.Mix(fresh, older, o.ReplayRatio, options.Seed));
    }

    private TrainedCandidate? TrainAndEvaluate(Trainer trainer, RetrainDataset dataset, IReadOnlyList<KeyedExample> plannedTrain, TrainOptions trainOptions,
        LoraAdapter? compareWith, IProgress<TrainProgress>? progress, CancellationToken ct)
    {
        string work = registry.TrainingFolder;
        // The plan's identity: an unfinished plan resumes with its own training list and start, whatever is live now.
        string fingerprint = JsonSerializer.Serialize(new { dataset = dataset.Hash, model = model.Name, options = (trainOptions with { WarmStartPath = null, TimeBudget = default }).ToString(), targets = trainOptions.Lora.TargetPattern ?? string.Join(",", trainOptions.Lora.TargetModules), replay = options.Value.ReplayRatio });
        string planFile = Path.Combine(work, PlanFile);
        bool resume = ReadFingerprint(work) == fingerprint && File.Exists(planFile);
        var byId = dataset.Train.ToDictionary(e => e.Id, StringComparer.Ordinal);
        var train = RetrainDataset.ToReplyExamples(resume ? File.ReadAllLines(planFile).Where(byId.ContainsKey).Select(id => byId[id]) : plannedTrain);
        var eval = RetrainDataset.ToReplyExamples(dataset.Eval);
        TrainResult result;
        if (resume)
        {
            logger.LogInformation("Resuming the interrupted retrain in {Folder}", work);
            try { result = trainer.Train(train, eval, work, progress, ct); }
            catch (Exception e) when (e is IOException or InvalidDataException or JsonException or KeyNotFoundException or ArgumentException)
            {
                logger.LogWarning(e, "The checkpoint in {Folder} is unreadable; starting the run over", work);
                result = TrainFresh();
            }
        }
        else
        {
            result = TrainFresh();
        }

        if (!result.Completed) return null;
        var candidate = PeftAdapterFiles.Load(work, model.Model.Config, "candidate");
        var memory = trainer.MemoryOf(train);   // the prompts Train built: examples from the training split
        var evalSet = trainer.Encode(eval, memory);
        double newLoss = trainer.Evaluate(candidate, evalSet, ct);
        double comparedLoss = trainer.Evaluate(compareWith, evalSet, ct);
        return new TrainedCandidate(result, candidate, newLoss, comparedLoss, Samples(dataset, memory, candidate, compareWith, ct));

        TrainResult TrainFresh()
        {
            DeleteFolder(work);
            Directory.CreateDirectory(work);
            File.WriteAllLines(planFile, plannedTrain.Select(e => e.Id));
            AdapterRegistry.WriteAtomically(Path.Combine(work, RunFile), fingerprint);
            return trainer.Train(train, eval, work, progress, ct);
        }
    }

    private List<SampleReply> Samples(RetrainDataset dataset, VoiceMemory? memory, LoraAdapter candidate, LoraAdapter? current, CancellationToken ct)
    {
        var o = options.Value;
        var e = model.Options;
        if (o.SampleCount == 0) return [];
        // A generator of its own (own KV cache), so samples never queue behind or block a draft.
        var generator = new TextGenerator(model.Model, model.Tokenizer, Math.Min(e.ContextTokens, 1024));
        var sampling = new SamplingOptions
        {
            MaxNewTokens = Math.Min(o.SampleMaxNewTokens, generator.ContextTokens / 2), MinNewTokens = Math.Min(e.MinNewTokens, o.SampleMaxNewTokens),
            RepetitionPenalty = (float)e.RepetitionPenalty, StopStrings = string.IsNullOrEmpty(e.SignOff) ? [] : [e.SignOff],
        };
        var samples = new List<SampleReply>();
        foreach (var ex in dataset.Eval.Take(o.SampleCount))
        {
            ct.ThrowIfCancellationRequested();
            int[] prompt = _scope.Prompt.Build(VoiceMemory.Slots(memory, new PromptSlots(ex.Comment, ex.VideoTitle, null, ex.CommentLanguage)), generator.ContextTokens - sampling.MaxNewTokens).Ids;
            // As a draft would read: the sign-off the generation stopped at is kept.
            string Write(LoraAdapter? a) => generator.Generate(prompt, sampling, a, null, ct).TextWithStop.Trim();
            samples.Add(new SampleReply(ex.Comment, ex.Reply, Write(candidate), Write(current)));
        }
        return samples;
    }

    private static string? ReadFingerprint(string work)
    {
        string path = Path.Combine(work, RunFile);
        try { return File.Exists(path) ? File.ReadAllText(path) : null; }
        catch (IOException) { return null; }
    }

    private static void DeleteFolder(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }
}
