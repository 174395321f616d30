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
    string? Message);

/// <summary>Live view of the retrain job; implemented by the retrain scheduler (optional: pages fall back to <see cref="IStatusProvider"/>).</summary>
public interface IRetrainProgress
{
    /// <summary>The running retrain, or the last one; null when none ran since start.</summary>
    RetrainProgress? Current { get; }
}
