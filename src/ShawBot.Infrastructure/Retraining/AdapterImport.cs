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
    public static AdapterVersion AddAndActivate(LanguageModel model, LiveAdapter live, string folder, IReadOnlyList<ReplyExample> examples,
        RetrainOptions options, string requestedBy, string reason, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(options);
        var adapter = PeftAdapterFiles.Load(folder, model.Model.Config, "import");
        var dataset = RetrainDataset.Build([], examples, options.EvalFraction);
        double? evalLoss = null;
        if (dataset.Eval.Count > 0)
        {
            var trainer = new Trainer(model.Model, model.Tokenizer, model.Template, options.ToTrainOptions(model.Name));
            double loss = trainer.Evaluate(adapter, trainer.Encode(RetrainDataset.ToReplyExamples(dataset.Eval)), cancellationToken);
            evalLoss = double.IsFinite(loss) ? loss : null;
        }
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
}
