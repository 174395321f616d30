using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Training;

namespace ShawBot.Engine.Tests.Training;

/// <summary>
/// Full-mode weight gradients and LoRA gradients against finite differences through the whole
/// graph. The forward is fp32, so single elements are too noisy to difference; instead each
/// tensor is moved along its own gradient direction u = g / ‖g‖: (L(w + hu) − L(w − hu)) / 2h
/// must equal ‖g‖, which fails for any wrong sign, scale or missing term.
/// </summary>
public class FullModeGradientTests
{
    private static ModelConfig Tiny(bool tied) => ModelConfig.Parse($$"""
        {"model_type":"llama","hidden_size":16,"intermediate_size":24,"num_hidden_layers":2,"num_attention_heads":4,
         "num_key_value_heads":2,"vocab_size":40,"max_position_embeddings":32,"rms_norm_eps":1e-5,"tie_word_embeddings":{{(tied ? "true" : "false")}},"hidden_act":"silu"}
        """, "tiny");

    private static (int[] Tokens, int[] Labels) Batch()
    {
        var rng = new Random(5);
        var tokens = Enumerable.Range(0, 2 * 7).Select(_ => rng.Next(3, 40)).ToArray();
        var labels = (int[])tokens.Clone();
        labels[0] = labels[1] = -100;
        return (tokens, labels);
    }

    private static void CheckDirectional(Func<double> loss, float[] param, float[] grad, string what)
    {
        double norm = Math.Sqrt(grad.Sum(g => (double)g * g));
        Assert.True(norm > 1e-4, $"{what}: gradient norm {norm} too small to check");
        const double h = 1e-2;
        var keep = (float[])param.Clone();
        for (int i = 0; i < param.Length; i++) param[i] = keep[i] + (float)(h * grad[i] / norm);
        double up = loss();
        for (int i = 0; i < param.Length; i++) param[i] = keep[i] - (float)(h * grad[i] / norm);
        double down = loss();
        keep.CopyTo(param, 0);
        double fd = (up - down) / (2 * h);
        Assert.True(Math.Abs(fd - norm) <= 0.02 * norm + 2e-4, $"{what}: directional derivative {fd:E4}, ‖g‖ {norm:E4}");
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void WeightGradientsMatchFiniteDifferences(bool tied, bool checkpointing)
    {
        var cfg = Tiny(tied);
        using var model = FullModel.CreateRandom(cfg, seed: 3);
        // Larger weights than the 0.02 init so every path carries signal.
        foreach (var p in FullModel.Parameters(model))
            if (p.Length != cfg.HiddenSize) for (int i = 0; i < p.Length; i++) p[i] *= 15f;
        var (tokens, labels) = Batch();
        var grads = new FullGradients(cfg);
        var graph = new TrainingGraph(model, null, 2, 7, checkpointing, grads);
        graph.Run(tokens, labels, 2, 7, backward: true);
        double Loss() { var (s, c) = graph.Run(tokens, labels, 2, 7, backward: false); return s / c; }
        var ps = FullModel.Parameters(model).ToList();
        var gs = grads.All().ToList();
        for (int i = 0; i < ps.Count; i++) CheckDirectional(Loss, ps[i], gs[i], $"tensor {i}");
    }

    [Fact]
    public void LoraGradientsMatchFiniteDifferencesWithDropout()
    {
        var cfg = Tiny(false);
        using var model = FullModel.CreateRandom(cfg, seed: 4);
        foreach (var p in FullModel.Parameters(model))
            if (p.Length != cfg.HiddenSize) for (int i = 0; i < p.Length; i++) p[i] *= 15f;
        var lora = LoraAdapter.CreateNew(cfg, new LoraConfig { Rank = 4, Alpha = 8, TargetPattern = "all-linear", TargetModules = [], Dropout = 0.2 }, 9);
        var rng = new Random(2);
        foreach (var m in lora.Modules) { var b = lora.B(m); for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() - 0.5); }
        lora.Training = true; lora.DropoutStep = 17;
        var (tokens, labels) = Batch();
        var graph = new TrainingGraph(model, lora, 2, 7, checkpointing: true);
        graph.Run(tokens, labels, 2, 7, backward: true);
        double Loss() { var (s, c) = graph.Run(tokens, labels, 2, 7, backward: false); return s / c; }
        foreach (var m in lora.Modules.Take(7))
        {
            var a = lora.Parameters.AsSpan(m.OffsetA, lora.A(m).Length).ToArray();
            var ga = lora.Gradients!.AsSpan(m.OffsetA, a.Length).ToArray();
            float[] view = lora.Parameters;
            // Directional check on A through a copy written back into the shared buffer.
            double norm = Math.Sqrt(ga.Sum(g => (double)g * g));
            const double h = 2e-3;
            for (int i = 0; i < a.Length; i++) view[m.OffsetA + i] = a[i] + (float)(h * ga[i] / norm);
            double up = Loss();
            for (int i = 0; i < a.Length; i++) view[m.OffsetA + i] = a[i] - (float)(h * ga[i] / norm);
            double down = Loss();
            a.CopyTo(view, m.OffsetA);
            double fd = (up - down) / (2 * h);
            Assert.True(Math.Abs(fd - norm) <= 0.02 * norm + 2e-4, $"lora_A {m.PeftPrefix}: {fd:E4} vs ‖g‖ {norm:E4}");
        }
    }
}
