using System.Globalization;
using ShawBot.Engine.Training;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// The plan and finish lines of the retrain reports (Discord, log), e.g.
/// "plan 300 examples · 120 steps · budget 3h · estimated finish 04:12 UTC" and
/// "finished 03:58 UTC, estimated 04:12 UTC (14 min early)". Times are UTC, to the minute.
/// </summary>
public static class RetrainPlanText
{
    public static string Plan(TrainPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var parts = new List<string> { F($"plan {plan.Examples} examples"), F($"{plan.PlannedSteps} steps") };
        if (plan.Budget is { } b) parts.Add("budget " + Duration(b));
        if (plan.EstimatedFinish is { } f) parts.Add("estimated finish " + Clock(f));
        return string.Join(" · ", parts);
    }

    /// <summary>The actual finish against the estimate (rounded to whole minutes: "on time" within one).</summary>
    public static string Finish(DateTimeOffset finished, DateTimeOffset? estimate)
    {
        string line = "finished " + Clock(finished);
        if (estimate is not { } e) return line;
        int minutes = (int)Math.Round((finished - e).TotalMinutes, MidpointRounding.AwayFromZero);
        string delta = minutes switch
        {
            0 => "on time",
            < 0 => F($"{-minutes} min early"),
            _ => F($"{minutes} min late"),
        };
        return $"{line}, estimated {Clock(e)} ({delta})";
    }

    /// <summary>"3h", "2h 30m", "45m", "40s": rounded to the minute from one minute up.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.FromMinutes(1)) return F($"{Math.Max(0, (int)Math.Round(span.TotalSeconds))}s");
        long minutes = (long)Math.Round(span.TotalMinutes, MidpointRounding.AwayFromZero);
        long h = minutes / 60, m = minutes % 60;
        return h == 0 ? F($"{m}m") : m == 0 ? F($"{h}h") : F($"{h}h {m}m");
    }

    public static string Clock(DateTimeOffset t) => t.ToUniversalTime().ToString("HH:mm", CultureInfo.InvariantCulture) + " UTC";

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
