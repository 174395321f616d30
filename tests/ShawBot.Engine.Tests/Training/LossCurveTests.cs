using ShawBot.Engine.Training;

namespace ShawBot.Engine.Tests.Training;

/// <summary>The numbers the trainer records for the loss plot.</summary>
public sealed class LossCurveTests
{
    [Fact]
    public void Eval_points_sit_at_the_end_of_each_epoch_and_the_last_one_is_cut_by_the_steps_run()
    {
        var curve = new LossCurve([2.0, 1.6, 1.3, 1.2, 1.1], [1.5, 1.25, 1.2], StepsPerEpoch: 2);
        Assert.Equal([2, 4, 5], Enumerable.Range(0, 3).Select(curve.EvalStep));
    }

    [Fact]
    public void Saved_and_loaded_it_is_the_same_numbers_including_a_diverged_step()
    {
        string path = Path.Combine(Path.GetTempPath(), $"shawbot-curve-{Guid.NewGuid():N}.json");
        try
        {
            var curve = new LossCurve([2.0, double.NaN, 1.25], [double.PositiveInfinity, 1.5], 2);
            curve.Save(path);
            var back = LossCurve.Load(path);
            Assert.Equal(curve.TrainLosses, back.TrainLosses);
            Assert.Equal(curve.EvalLosses, back.EvalLosses);
            Assert.Equal(2, back.StepsPerEpoch);

            File.WriteAllText(path, """{"trainLosses": [1.0], "evalLosses": [], "stepsPerEpoch": 0}""");
            Assert.Contains("stepsPerEpoch must be at least 1, got 0", Assert.Throws<InvalidDataException>(() => LossCurve.Load(path)).Message);
            File.WriteAllText(path, "{ not json");
            Assert.StartsWith(path, Assert.Throws<InvalidDataException>(() => LossCurve.Load(path)).Message);
            File.WriteAllText(path, """{"stepsPerEpoch": 1}""");
            Assert.Contains("trainLosses and evalLosses are required", Assert.Throws<InvalidDataException>(() => LossCurve.Load(path)).Message);
        }
        finally { File.Delete(path); }
    }
}
