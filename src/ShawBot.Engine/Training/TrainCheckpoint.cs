using System.Text.Json;
using ShawBot.Engine.Lora;

namespace ShawBot.Engine.Training;

/// <summary>Where a run stands: enough, with the adapter and optimizer, to resume bit-identically.</summary>
public sealed class TrainState
{
    public int Step { get; set; }
    public int Epoch { get; set; }
    public int MicroInEpoch { get; set; }
    public double BestEval { get; set; } = double.NaN;
    public int BestEpoch { get; set; }
    public List<double> TrainLosses { get; } = [];
    public List<double> EvalLosses { get; } = [];
}

/// <summary>
/// checkpoint/: the adapter (PEFT files), optimizer.bin (step + moments), state.json. Written to
/// checkpoint.tmp and renamed, so a crash leaves the previous checkpoint whole.
/// </summary>
public static class TrainCheckpoint
{
    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, "state.json"));

    public static void Save(string dir, LoraAdapter adapter, AdamW optimizer, TrainState state)
    {
        string tmp = dir + ".tmp";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        PeftAdapterFiles.Save(adapter, tmp);
        using (var f = File.Create(Path.Combine(tmp, "optimizer.bin")))
        using (var w = new BinaryWriter(f)) optimizer.Save(w);
        var json = new Dictionary<string, object>
        {
            ["step"] = state.Step, ["epoch"] = state.Epoch, ["micro_in_epoch"] = state.MicroInEpoch,
            ["best_eval"] = double.IsNaN(state.BestEval) ? -1 : state.BestEval, ["best_epoch"] = state.BestEpoch,
            ["train_losses"] = state.TrainLosses, ["eval_losses"] = state.EvalLosses,
        };
        File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(json));
        string old = dir + ".old";
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(dir)) Directory.Move(dir, old);
        Directory.Move(tmp, dir);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    public static TrainState Load(string dir, LoraAdapter adapter, AdamW optimizer)
    {
        var saved = PeftAdapterFiles.Load(dir, adapter.ModelConfig);
        if (saved.Parameters.Length != adapter.Parameters.Length)
            throw new InvalidDataException($"{dir}: checkpoint adapter has {saved.Parameters.Length} values, this run's has {adapter.Parameters.Length} (different rank or targets?)");
        saved.Parameters.CopyTo(adapter.Parameters, 0);
        using (var f = File.OpenRead(Path.Combine(dir, "optimizer.bin")))
        using (var r = new BinaryReader(f)) optimizer.Load(r);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "state.json")));
        var root = doc.RootElement;
        var state = new TrainState
        {
            Step = root.GetProperty("step").GetInt32(), Epoch = root.GetProperty("epoch").GetInt32(),
            MicroInEpoch = root.GetProperty("micro_in_epoch").GetInt32(), BestEpoch = root.GetProperty("best_epoch").GetInt32(),
        };
        double best = root.GetProperty("best_eval").GetDouble();
        state.BestEval = best < 0 ? double.NaN : best;
        state.TrainLosses.AddRange(root.GetProperty("train_losses").EnumerateArray().Select(e => e.GetDouble()));
        state.EvalLosses.AddRange(root.GetProperty("eval_losses").EnumerateArray().Select(e => e.GetDouble()));
        return state;
    }

    public static void WriteMetrics(string path, TrainState s, int totalSteps, bool completed, bool planFinished = true, TrainPlan? plan = null)
    {
        var json = new Dictionary<string, object?>
        {
            ["completed"] = completed, ["plan_finished"] = planFinished, ["planned_steps"] = plan?.PlannedSteps,
            ["seconds_per_step"] = plan?.SecondsPerStep, ["time_budget_seconds"] = plan?.Budget?.TotalSeconds, ["steps"] = s.Step, ["total_steps"] = totalSteps, ["epochs"] = s.Epoch,
            ["final_train_loss"] = s.TrainLosses.Count > 0 ? s.TrainLosses[^1] : null,
            ["best_eval_loss"] = double.IsNaN(s.BestEval) ? null : s.BestEval,
            ["best_eval_perplexity"] = double.IsNaN(s.BestEval) ? null : Math.Exp(s.BestEval),
            ["best_epoch"] = s.BestEpoch, ["train_losses"] = s.TrainLosses, ["eval_losses"] = s.EvalLosses,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
    }
}
