using ShawBot.Engine.Lora;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Engine;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// Adds a PEFT adapter made elsewhere (the demo model's own) to the registry as a whole version and makes
/// it live; <see cref="MeasureEvalLoss"/> then records its eval loss on the held-out part of a dataset,
/// split by id and built exactly as a retrain builds it (comment languages included), so the page shows
/// a number and the next retrain compares against a known loss.
/// </summary>
public static class AdapterImport
{
    /// <summary>
    /// Adds and activates the adapter in <paramref name="folder"/>, recorded without an eval loss (a start must
    /// not wait for an evaluation): call <see cref="MeasureEvalLoss"/> afterwards.
    /// </summary>
    public static AdapterVersion AddAndActivate(LanguageModel model, LiveAdapter live, string folder, IReadOnlyList<ReplyExample> examples,
        RetrainOptions options, string requestedBy, string reason, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(options);
        var adapter = PeftAdapterFiles.Load(folder, model.Model.Config, "import");
        var dataset = RetrainDataset.Build([], examples, options.EvalFraction);
        var createdAt = (time ?? TimeProvider.System).GetUtcNow();
        var version = live.Registry.AddVersion(folder, name => new AdapterMetadata
        {
            Version = name, CreatedAt = createdAt, BaseModel = model.Name, DatasetSize = dataset.Count, TrainExamples = dataset.Train.Count,
            EvalExamples = dataset.Eval.Count, SeedExamples = dataset.SeedCount, DatasetHash = dataset.Hash, EvalLoss = null,
            Promoted = true, Decision = reason, RequestedBy = requestedBy, Rank = adapter.Config.Rank, Alpha = adapter.Config.Alpha,
            Targets = adapter.Config.TargetPattern ?? string.Join(",", adapter.Config.TargetModules),
        }, [], []);
        live.Activate(version.Name, requestedBy, reason, loaded: adapter);
        return version;
    }

    /// <summary>
    /// Measures an added version's eval loss on the same split <see cref="AddAndActivate"/> records, with each
    /// example's comment language from <paramref name="languageOf"/> (as a retrain labels them), and stores it.
    /// </summary>
    public static AdapterVersion MeasureEvalLoss(LanguageModel model, LiveAdapter live, string version, IReadOnlyList<ReplyExample> examples,
        RetrainOptions options, Func<string, string?>? languageOf = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(options);
        var stored = live.Registry.Get(version) ?? throw new InvalidOperationException($"adapter version '{version}' is not in {live.Registry.Root}");
        var adapter = PeftAdapterFiles.Load(stored.Path, model.Model.Config, "import");
        double? loss = Evaluate(model, adapter, RetrainDataset.Build([], examples, options.EvalFraction, languageOf), options, cancellationToken);
        return live.Registry.UpdateMetadata(version, m => m with { EvalLoss = loss });
    }

    private static double? Evaluate(LanguageModel model, LoraAdapter adapter, RetrainDataset dataset, RetrainOptions options, CancellationToken cancellationToken)
    {
        if (dataset.Eval.Count == 0) return null;
        var trainer = new Trainer(model.Model, model.Tokenizer, model.Template, options.ToTrainOptions(model.Name));
        double loss = trainer.Evaluate(adapter, trainer.Encode(RetrainDataset.ToReplyExamples(dataset.Eval)), cancellationToken);
        return double.IsFinite(loss) ? loss : null;
    }
}
