namespace ShawBot.Core.Ports;

/// <summary>Where a running retrain is, for live progress on the web page.</summary>
/// <param name="Running">True while a retrain runs; false after it ended (the other fields then describe the last run).</param>
/// <param name="Phase">e.g. "dataset", "training", "evaluating", "promoting", "done", "failed".</param>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="TotalSteps">Steps planned; 0 when not known yet.</param>
/// <param name="Loss">Latest training loss; null before the first step.</param>
/// <param name="Message">One line for the operator.</param>
public sealed record RetrainProgress(
    bool Running,
    string Phase,
    int Step,
    int TotalSteps,
    double? Loss,
    DateTimeOffset StartedAt,
    string? Message)
{
    /// <summary>What the run means to do (as announced once its steps were timed); null before training starts.</summary>
    public RetrainPlanInfo? Plan { get; init; }

    /// <summary>Training throughput so far; null while not training.</summary>
    public double? TokensPerSecond { get; init; }

    /// <summary>While running, the estimated finish from the step time measured so far; null before the first timed steps.</summary>
    public DateTimeOffset? Eta { get; init; }

    /// <summary>When the last run ended; null while one runs.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>A retrain's plan: the examples per epoch, the steps that fit the budget, the budget, and the finish it expects.</summary>
/// <param name="Budget">The training's time budget; null when there is none.</param>
/// <param name="EstimatedFinish">From the first timed steps; null before them.</param>
public sealed record RetrainPlanInfo(int Examples, int PlannedSteps, TimeSpan? Budget, DateTimeOffset? EstimatedFinish);

/// <summary>Live view of the retrain job; implemented by the retrain scheduler (optional: pages fall back to <see cref="IStatusProvider"/>).</summary>
public interface IRetrainProgress
{
    /// <summary>The running retrain, or the last one; null when none ran since start.</summary>
    RetrainProgress? Current { get; }
}
