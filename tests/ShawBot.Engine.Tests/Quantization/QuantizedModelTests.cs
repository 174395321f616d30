using System.Text.Json;
using ShawBot.Engine.IO;
using ShawBot.Engine.Model;
using ShawBot.Engine.Quantization;
using Xunit.Abstractions;

namespace ShawBot.Engine.Tests.Quantization;

/// <summary>Quantize-on-load, 4-bit checkpoints and the transformers-loadable 4-bit folder, on the golden tiny models.</summary>
public sealed class QuantizedModelTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("shawbot-nf4-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    public static TheoryData<string> Models => new() { "tiny-mistral", "tiny-llama-bf16" };

    private static float[] AllLogits(LlamaModel model, GoldenCase g)
    {
        var all = new float[g.B * g.T * g.V];
        for (int b = 0; b < g.B; b++)
            new InferenceSession(model, 64, chunk: 7).Forward(g.Sequence(b), all.AsSpan(b * g.T * g.V, g.T * g.V), allLogits: true);
        return all;
    }

    [Theory, MemberData(nameof(Models))]
    public void Nf4DoubleQuantOnLoadStaysCloseToFloat32(string name)
    {
        var g = GoldenCase.Load(name);
        using var dense = ModelLoader.Load(g.Folder);
        using var q = ModelLoader.Load(g.Folder, new ModelLoadOptions { Quantize = WeightFormat.Nf4, DoubleQuant = true });
        foreach (var layer in q.Layers)
            foreach (Projection p in Enum.GetValues<Projection>())
            {
                var lin = Assert.IsType<Nf4Linear>(layer[p]);
                Assert.Equal(QuantType4Bit.Nf4, lin.QuantType);
                Assert.True(lin.Weight.IsDoubleQuantized);
            }
        // BF16 files keep embedding and head in BF16 (tied here: the head reads the embedding's array).
        if (name == "tiny-llama-bf16")
        {
            Assert.True(q.Embeddings.IsBFloat16);
            Assert.IsType<Bf16Linear>(q.LmHead);
            Assert.Equal(q.Embeddings.SizeInBytes + q.FinalNorm.Length * 4L + q.Layers.Sum(l => l.SizeInBytes), q.SizeInBytes);
        }
        else
        {
            Assert.False(q.Embeddings.IsBFloat16);
            Assert.IsType<DenseLinear>(q.LmHead);
        }

        float[] want = AllLogits(dense, g), got = AllLogits(q, g);
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < want.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(want[i] - got[i]));
            maxAbs = Math.Max(maxAbs, Math.Abs(want[i]));
        }
        int agree = 0, positions = g.B * g.T;
        for (int i = 0; i < positions; i++)
            if (Engine.Generation.Sampler.ArgMax(want.AsSpan(i * g.V, g.V)) == Engine.Generation.Sampler.ArgMax(got.AsSpan(i * g.V, g.V))) agree++;
        output.WriteLine($"{name}: max |logit(nf4+dq) − logit(fp32)| = {maxDiff:F4} (max |logit| {maxAbs:F3}); argmax agrees at {agree}/{positions} positions");
        // Measured: tiny-mistral 0.579 of max 2.45, 36/48 argmax agree; tiny-llama-bf16 1.709 of max 5.91,
        // 35/48. These random tiny models have flat logits, so 4-bit noise moves them a lot; the bounds
        // are set a little above what was measured, relative to the logit scale.
        Assert.True(maxDiff < 0.35 * maxAbs, $"max logit difference {maxDiff} for max |logit| {maxAbs}");
        Assert.True(agree >= positions * 0.65, $"argmax agrees at only {agree}/{positions}");

        // The 4-bit kernels themselves are exact up to fp32 rounding: the same model with each
        // projection dequantized to a dense fp32 weight gives the same logits within 1e-4.
        var layers = q.Layers.Select(l => new LayerWeights
        {
            InputNorm = l.InputNorm, PostAttentionNorm = l.PostAttentionNorm,
            Q = Dense(l.Q), K = Dense(l.K), V = Dense(l.V), O = Dense(l.O), Gate = Dense(l.Gate), Up = Dense(l.Up), Down = Dense(l.Down),
        }).ToArray();
        using var dequantized = new LlamaModel(q.Config, q.Embeddings, layers, q.FinalNorm, Dense(q.LmHead));
        Assertions.Close(AllLogits(dequantized, g), got, 1e-4, $"{name}: 4-bit kernels vs dequantized fp32");
    }

    private static DenseLinear Dense(ILinear l) => DenseLinear.FromRowMajor(l.ToDense(), l.OutFeatures, l.InFeatures);

    [Theory, MemberData(nameof(Models))]
    public void StreamedQuantizationEqualsQuantizingTheWholeTensor(string name)
    {
        var g = GoldenCase.Load(name);
        using var q = ModelLoader.Load(g.Folder, new ModelLoadOptions { Quantize = WeightFormat.Fp4, DoubleQuant = false });
        using var ck = SafetensorsCheckpoint.Open(g.Folder);
        foreach (Projection p in new[] { Projection.Q, Projection.Down })
        {
            var lin = (Nf4Linear)q.Layers[1][p];
            var w = new float[lin.Weight.ElementCount];
            ck.ReadFloat32($"model.layers.1.{LayerWeights.ModuleName(p)}.weight", w);
            var whole = QuantizedTensor4Bit.Quantize(w, lin.OutFeatures, lin.InFeatures, QuantType4Bit.Fp4);
            Assert.Equal(whole.Packed, lin.Weight.Packed);
            Assert.Equal(whole.Absmax, lin.Weight.Absmax);
            Assert.Equal(name == "tiny-llama-bf16" ? "bfloat16" : "float32", lin.OriginalDtype);
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void SavedFolderReloadsToIdenticalBytesAndLogits(string name)
    {
        var g = GoldenCase.Load(name);
        using var q = ModelLoader.Load(g.Folder, new ModelLoadOptions { Quantize = WeightFormat.Nf4, DoubleQuant = true });
        string first = Path.Combine(_tmp, "first"), second = Path.Combine(_tmp, "second");
        var steps = new List<(int, int)>();
        QuantizedModelWriter.Save(q, g.Folder, first, new SyncProgress(steps));
        Assert.Equal(steps[^1].Item2, steps[^1].Item1);

        // Loads as 4-bit whatever the options say: the checkpoint decides.
        using var back = ModelLoader.Load(first);
        for (int l = 0; l < q.Layers.Length; l++)
            foreach (Projection p in Enum.GetValues<Projection>())
            {
                var a = ((Nf4Linear)q.Layers[l][p]).Weight;
                var b = Assert.IsType<Nf4Linear>(back.Layers[l][p]).Weight;
                Assert.Equal(a.Packed, b.Packed);
                Assert.Equal(a.AbsmaxCodes, b.AbsmaxCodes);
                Assert.Equal(a.NestedAbsmax, b.NestedAbsmax);
                Assert.Equal(BitConverter.SingleToInt32Bits(a.NestedOffset), BitConverter.SingleToInt32Bits(b.NestedOffset));
            }
        Assert.Equal(AllLogits(q, g), AllLogits(back, g));

        // Saving the reloaded model gives the same file, byte for byte.
        QuantizedModelWriter.Save(back, first, second);
        Assert.Equal(File.ReadAllBytes(Path.Combine(first, "model.safetensors")), File.ReadAllBytes(Path.Combine(second, "model.safetensors")));

        // Embeddings keep the source dtype; config.json carries the bitsandbytes settings.
        using var src = SafetensorsCheckpoint.Open(g.Folder);
        using var saved = SafetensorsCheckpoint.Open(first);
        Assert.Equal(src.GetEntry("model.embed_tokens.weight").DType, saved.GetEntry("model.embed_tokens.weight").DType);
        Assert.True(src.GetBytes("model.norm.weight").SequenceEqual(saved.GetBytes("model.norm.weight")));
        Assert.Equal("pt", saved.Files[0].Metadata["format"]);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(first, "config.json")));
        var qc = doc.RootElement.GetProperty("quantization_config");
        Assert.Equal("bitsandbytes", qc.GetProperty("quant_method").GetString());
        Assert.True(qc.GetProperty("load_in_4bit").GetBoolean());
        Assert.Equal("nf4", qc.GetProperty("bnb_4bit_quant_type").GetString());
        Assert.True(qc.GetProperty("bnb_4bit_use_double_quant").GetBoolean());
        Assert.Empty(Directory.GetDirectories(_tmp, ".*tmp*"));
    }

    [Fact]
    public void Fp4CheckpointLoadsAsFp4()
    {
        var g = GoldenCase.Load("tiny-mistral");
        using var q = ModelLoader.Load(g.Folder, new ModelLoadOptions { Quantize = WeightFormat.Fp4, DoubleQuant = false });
        string dir = Path.Combine(_tmp, "fp4");
        QuantizedModelWriter.Save(q, g.Folder, dir);
        using (var ck = SafetensorsCheckpoint.Open(dir))
        {
            Assert.True(ck.Contains("model.layers.0.mlp.up_proj.weight.quant_state.bitsandbytes__fp4"));
            Assert.Equal(SafetensorsDType.F32, ck.GetEntry("model.layers.0.mlp.up_proj.weight.absmax").DType);
        }
        // Asking for NF4 does not re-quantize a 4-bit checkpoint.
        using var back = ModelLoader.Load(dir, new ModelLoadOptions { Quantize = WeightFormat.Nf4 });
        var lin = Assert.IsType<Nf4Linear>(back.Layers[1].Up);
        Assert.Equal(QuantType4Bit.Fp4, lin.QuantType);
        Assert.False(lin.Weight.IsDoubleQuantized);
        Assert.Equal(AllLogits(q, g), AllLogits(back, g));
    }

    [Fact]
    public void BadInputsAreRejected()
    {
        var g = GoldenCase.Load("tiny-mistral");
        using var dense = ModelLoader.Load(g.Folder);
        Assert.Throws<InvalidOperationException>(() => QuantizedModelWriter.Save(dense, g.Folder, Path.Combine(_tmp, "dense")));

        using var q = ModelLoader.Load(g.Folder, new ModelLoadOptions { Quantize = WeightFormat.Nf4 });
        string busy = Path.Combine(_tmp, "busy");
        Directory.CreateDirectory(busy);
        File.WriteAllText(Path.Combine(busy, "x"), "x");
        Assert.Throws<IOException>(() => QuantizedModelWriter.Save(q, g.Folder, busy));

        // A 4-bit checkpoint whose quant_state shape disagrees with config.json names the tensor.
        string dir = Path.Combine(_tmp, "shape");
        QuantizedModelWriter.Save(q, g.Folder, dir);
        string cfg = Path.Combine(dir, "config.json");
        File.WriteAllText(cfg, File.ReadAllText(cfg).Replace("\"intermediate_size\": 192", "\"intermediate_size\": 128"));
        var e = Assert.Throws<QuantizationFormatException>(() => ModelLoader.Load(dir));
        Assert.Equal("model.layers.0.mlp.gate_proj.weight", e.TensorName);
        Assert.Equal("shape", e.Field);
    }

    private sealed class SyncProgress(List<(int, int)> steps) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => steps.Add(value);
    }
}
