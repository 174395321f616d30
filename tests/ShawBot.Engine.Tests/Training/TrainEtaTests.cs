using ShawBot.Engine.Training;

namespace ShawBot.Engine.Tests.Training;

/// <summary>The ETA: one formula (<see cref="TrainPlan.FinishAt"/>), fed by the planner's measured step and evaluation times.</summary>
public class TrainEtaTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_finish_is_the_steps_left_at_the_step_time_plus_the_evaluations_left()
    {
        // 80 steps left at 1.5 s, 3 evaluations at 20 s: 120 s + 60 s.
        Assert.Equal(T0.AddSeconds(180), TrainPlan.FinishAt(T0, step: 40, plannedSteps: 120, secondsPerStep: 1.5, evaluationsLeft: 3, evalSeconds: 20));
        Assert.Equal(T0.AddSeconds(20), TrainPlan.FinishAt(T0, step: 120, plannedSteps: 120, secondsPerStep: 1.5, evaluationsLeft: 1, evalSeconds: 20));
        // A plan cut below the step already taken (the budget shrank) leaves no steps, not negative ones.
        Assert.Equal(T0.AddSeconds(20), TrainPlan.FinishAt(T0, step: 50, plannedSteps: 45, secondsPerStep: 1.5, evaluationsLeft: 1, evalSeconds: 20));
    }

    [Fact]
    public void The_planner_has_no_estimate_before_its_first_timed_step_then_uses_the_mean_step_and_the_measured_evaluation()
    {
        // 8 examples of 10 tokens, batch 4 × accumulation 1: 2 steps an epoch, 5 epochs = 10 steps, 40 rows a step.
        // The eval set is 120 rows = 3 steps' rows: before an evaluation is measured it costs 3 · perStep / 3 = perStep.
        var o = new TrainOptions { BatchSize = 4, GradientAccumulation = 1, Epochs = 5, CalibrationSteps = 2, ReserveEvaluations = 1 };
        var train = Enumerable.Range(0, 8).Select(_ => new EncodedExample(new int[10], 2)).ToList();
        var eval = Enumerable.Range(0, 12).Select(_ => new EncodedExample(new int[10], 2)).ToList();
        var planner = new TimeBudgetPlanner(o, train, eval, totalSteps: 10, stepsPerEpoch: 2, T0);

        planner.StepDone(1, T0.AddSeconds(10));                // JIT and allocation: not timed
        Assert.Null(planner.Plan.SecondsPerStep);
        Assert.Null(planner.Plan.EstimatedFinish);

        planner.StepDone(2, T0.AddSeconds(12));                // 2 s; evaluations left: the reserve + epochs 2..5 = 5 at 2 s
        Assert.Equal(T0.AddSeconds(12 + 8 * 2 + 5 * 2), planner.Plan.EstimatedFinish);

        planner.StepDone(3, T0.AddSeconds(16));                // 4 s: mean 3 s; 5 evaluations at 3 s
        Assert.Equal(T0.AddSeconds(16 + 7 * 3 + 5 * 3), planner.Plan.EstimatedFinish);

        planner.EvaluationDone(T0.AddSeconds(16), T0.AddSeconds(20));   // measured: 4 s
        planner.StepDone(4, T0.AddSeconds(23));                // 3 s: mean of 2, 4, 3 = 3 s; the reserve + epochs 3..5 = 4 at 4 s
        var plan = planner.Plan;
        Assert.Equal((8, 10, 10, 3.0), (plan.Examples, plan.TotalSteps, plan.PlannedSteps, plan.SecondsPerStep));
        Assert.Equal(T0.AddSeconds(23 + 6 * 3 + 4 * 4), plan.EstimatedFinish);
        Assert.Null(plan.Budget);
    }
}
