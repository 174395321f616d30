using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Training;

namespace ShawBot.Engine.Tests.Training;

/// <summary>
/// The graph's memory-saving schedule against the plain computation: checkpoint segments of
/// several layers, the MLP by row chunks and the head over loss rows only, chunk by chunk.
/// A 5-layer random model, so segments of 2 and 3 leave a ragged last segment; batches of 240
/// rows, so the MLP runs in two chunks and the head in four.
/// </summary>
public class TrainingGraphMemoryTests
{
    private const int B = 4, T = 60;

    private static ModelConfig FiveLayers() => ModelConfig.Parse("""
        {"model_type":"llama","hidden_size":32,"intermediate_size":48,"num_hidden_layers":5,"num_attention_heads":4,
         "num_key_value_heads":2,"vocab_size":50,"max_position_embeddings":128,"rms_norm_eps":1e-5,"tie_word_embeddings":false,"hidden_act":"silu"}
        """, "five-layers");

    /// <summary>LoRA r4 with B random (so A's gradients are not zero); "all" targets every linear, else q and v only.</summary>
    private static LoraAdapter Adapter(ModelConfig c, bool all, double dropout)
    {
        var config = all
            ? new LoraConfig { Rank = 4, Alpha = 8, TargetModules = [], TargetPattern = "all-linear", Dropout = dropout }
            : new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj"], Dropout = dropout };
        var a = LoraAdapter.CreateNew(c, config, 3);
        var rng = new SplitMix(5);
        foreach (var m in a.Modules)
        {
            var b = a.B(m);
            for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextGaussian() * 0.3);
        }
        a.Training = true;
        return a;
    }

    /// <summary>B sequences of T random tokens; the first 5 labels of each are ignored (a prompt).</summary>
    private static (int[] Tokens, int[] Labels) Batch()
    {
        var rng = new Random(11);
        var tokens = Enumerable.Range(0, B * T).Select(_ => rng.Next(3, 50)).ToArray();
        var labels = (int[])tokens.Clone();
        for (int b = 0; b < B; b++) for (int t = 0; t < 5; t++) labels[b * T + t] = -100;
        return (tokens, labels);
    }

    private static LlamaModel Model(ModelConfig cfg)
    {
        var model = FullModel.CreateRandom(cfg, seed: 4);
        foreach (var p in FullModel.Parameters(model))
            if (p.Length != cfg.HiddenSize) for (int i = 0; i < p.Length; i++) p[i] *= 10f;   // every path carries signal
        return model;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SegmentedCheckpointsReproduceThePlainBackwardBitForBit(bool allLinear)
    {
        var cfg = FiveLayers();
        using var model = Model(cfg);
        var adapter = Adapter(cfg, allLinear, dropout: 0.1);
        var (tokens, labels) = Batch();
        var grads = adapter.EnsureGradients();

        var plain = new TrainingGraph(model, adapter, B, T, checkpointing: false);
        Assert.Equal(1, plain.SegmentLayers);
        var (refSum, refCount) = plain.Run(tokens, labels, B, T, backward: true);
        var refGrads = (float[])grads.Clone();
        Assert.Equal(B * (T - 5), refCount);
        Assert.Contains(refGrads, g => g != 0);

        foreach (int segment in new[] { 1, 2, 3, 5, 0 })
        {
            var graph = new TrainingGraph(model, adapter, B, T, checkpointing: true, segmentLayers: segment);
            Assert.Equal(segment == 0 ? 3 : segment, graph.SegmentLayers);      // automatic: ⌈√5⌉
            Array.Clear(grads);
            var (sum, count) = graph.Run(tokens, labels, B, T, backward: true);
            Assert.Equal(refCount, count);
            Assert.Equal(refSum, sum);
            for (int i = 0; i < grads.Length; i++)
                Assert.True(refGrads[i] == grads[i], $"segments of {segment}: gradient {i} is {grads[i]:R}, the plain backward gives {refGrads[i]:R}");
        }
    }

    /// <summary>
    /// The batch (240 rows: two MLP chunks; 220 loss rows: four head chunks) against its sequences run one
    /// at a time (60 rows and 55 loss rows: one chunk each): the loss sums and the gradients of the summed
    /// loss (gradScale = count) add up.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ChunkedMlpAndHeadGiveTheSumsOfOneChunkRuns(bool allLinear)
    {
        var cfg = FiveLayers();
        using var model = Model(cfg);
        var adapter = Adapter(cfg, allLinear, dropout: 0);
        var (tokens, labels) = Batch();
        var grads = adapter.EnsureGradients();
        var graph = new TrainingGraph(model, adapter, B, T, checkpointing: true);

        double sumOfParts = 0; int countOfParts = 0;
        for (int b = 0; b < B; b++)
        {
            int count = labels.Skip(b * T + 1).Take(T - 1).Count(l => l != -100);
            var (s, c) = graph.Run(tokens.AsSpan(b * T, T), labels.AsSpan(b * T, T), 1, T, backward: true, gradScale: count);
            Assert.Equal(count, c);
            sumOfParts += s; countOfParts += c;
        }
        var partGrads = (float[])grads.Clone();

        Array.Clear(grads);
        var (sum, total) = graph.Run(tokens, labels, B, T, backward: true, gradScale: countOfParts);
        Assert.Equal(countOfParts, total);
        Assert.Equal(sumOfParts, sum, sumOfParts * 1e-6);
        foreach (var m in adapter.Modules)
        {
            Assertions.CloseRelative(partGrads.AsSpan(m.OffsetA, adapter.A(m).Length), grads.AsSpan(m.OffsetA, adapter.A(m).Length), 1e-5, $"dA {m.PeftPrefix}");
            Assertions.CloseRelative(partGrads.AsSpan(m.OffsetB, adapter.B(m).Length), grads.AsSpan(m.OffsetB, adapter.B(m).Length), 1e-5, $"dB {m.PeftPrefix}");
        }
    }

    [Fact]
    public void SegmentLengthIsValidated()
    {
        var cfg = FiveLayers();
        using var model = Model(cfg);
        var adapter = Adapter(cfg, false, 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingGraph(model, adapter, B, T, checkpointing: true, segmentLayers: 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingGraph(model, adapter, B, T, checkpointing: true, segmentLayers: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingGraph(model, adapter, B, T, checkpointing: false, segmentLayers: 2));
        Assert.Equal(5, new TrainingGraph(model, adapter, B, T, checkpointing: true, segmentLayers: 5).SegmentLayers);
    }
}
