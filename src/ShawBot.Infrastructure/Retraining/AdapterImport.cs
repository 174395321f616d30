using ShawBot.Engine.Lora;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Engine;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// Adds a PEFT adapter made elsewhere (the demo model's own) to the registry as a whole version: its
/// eval loss measured on the held-out part of a dataset, split by id exactly as a retrain splits it,
/// so the page shows a number and the next retrain compares against a known loss. The weights are
/// read once: the object that was evaluated is the one that goes live.
/// </summary>
public static class AdapterImport
{
    /// <summary>
    /// Adds and activates the adapter in <paramref name="folder"/>. With <paramref name="measureNow"/> false the
    /// version is recorded without an eval loss (the demo's start must not wait for an evaluation):
    /// call <see cref="MeasureEvalLoss"/> afterwards.
    /// </summary>
    public static AdapterVersion AddAndActivate(LanguageModel model, LiveAdapter live, string folder, IReadOnlyList<ReplyExample> examples,
        RetrainOptions options, string requestedBy, string reason, TimeProvider? time = null, bool measureNow = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(options);
        var adapter = PeftAdapterFiles.Load(folder, model.Model.Config, "import");
        var dataset = RetrainDataset.Build([], examples, options.EvalFraction);
        double? evalLoss = measureNow ? Evaluate(model, adapter, dataset, options, cancellationToken) : null;
        var createdAt = (time ?? TimeProvider.System).GetUtcNow();
        var version = live.Registry.AddVersion(folder, name => new AdapterMetadata
        {
            Version = name, CreatedAt = createdAt, BaseModel = model.Name, DatasetSize = dataset.Count, TrainExamples = dataset.Train.Count,
            EvalExamples = dataset.Eval.Count, SeedExamples = dataset.SeedCount, DatasetHash = dataset.Hash, EvalLoss = evalLoss,
            Promoted = true, Decision = reason, RequestedBy = requestedBy, Rank = adapter.Config.Rank, Alpha = adapter.Config.Alpha,
            Targets = adapter.Config.TargetPattern ?? string.Join(",", adapter.Config.TargetModules),
        }, [], []);
        live.Activate(version.Name, requestedBy, reason, loaded: adapter);
        return version;
    }

    /// <summary>Measures an added version's eval loss on the same split <see cref="AddAndActivate"/> records, and stores it.</summary>
    public static AdapterVersion MeasureEvalLoss(LanguageModel model, LiveAdapter live, string version, IReadOnlyList<ReplyExample> examples,
        RetrainOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(options);
        var stored = live.Registry.Get(version) ?? throw new InvalidOperationException($"adapter version '{version}' is not in {live.Registry.Root}");
        var adapter = PeftAdapterFiles.Load(stored.Path, model.Model.Config, "import");
        double? loss = Evaluate(model, adapter, RetrainDataset.Build([], examples, options.EvalFraction), options, cancellationToken);
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
