using System.Text.Json;

namespace ShawBot.Engine.Training;

/// <summary>
/// The numbers of a training run's loss curve: the training loss after every optimizer step and the
/// eval loss at the end of every epoch. The engine records them (loss-curve.json beside the adapter);
/// plots are drawn on the reporting side.
/// </summary>
/// <param name="TrainLosses">Loss of optimizer step s (1-based) at index s − 1.</param>
/// <param name="EvalLosses">Held-out loss after epoch e (0-based) at index e.</param>
/// <param name="StepsPerEpoch">Optimizer steps in one epoch; puts eval point e at step min(steps, (e + 1) · StepsPerEpoch).</param>
public sealed record LossCurve(IReadOnlyList<double> TrainLosses, IReadOnlyList<double> EvalLosses, int StepsPerEpoch)
{
    public const string FileName = "loss-curve.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // A diverged run records NaN or ∞; the file keeps them rather than failing to write.
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The optimizer step eval point <paramref name="epoch"/> belongs to (the last epoch may be cut short by MaxSteps).</summary>
    public int EvalStep(int epoch) => Math.Min(TrainLosses.Count, (epoch + 1) * StepsPerEpoch);

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>Reads what <see cref="Save"/> wrote; a missing or malformed file throws naming it.</summary>
    public static LossCurve Load(string path)
    {
        LossCurve? curve;
        try { curve = JsonSerializer.Deserialize<LossCurve>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a loss curve ({e.Message})", e); }
        if (curve is null || curve.TrainLosses is null || curve.EvalLosses is null)
            throw new InvalidDataException($"{path}: not a loss curve (trainLosses and evalLosses are required)");
        if (curve.StepsPerEpoch < 1)
            throw new InvalidDataException($"{path}: stepsPerEpoch must be at least 1, got {curve.StepsPerEpoch}");
        return curve;
    }
}
