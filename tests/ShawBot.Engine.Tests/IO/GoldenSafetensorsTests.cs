using System.Runtime.InteropServices;
using ShawBot.Engine.IO;

namespace ShawBot.Engine.Tests.IO;

/// <summary>Reads the PyTorch-written files in ../shared/golden.</summary>
public sealed class GoldenSafetensorsTests
{
    private static string Golden(string model, string file) => Path.Combine(TestPaths.GoldenModel(model), file);

    [Fact]
    public void TinyMistral_Model_HasAllWeightsInF32WithHfShapes()
    {
        using var ck = SafetensorsCheckpoint.Open(TestPaths.GoldenModel("tiny-mistral"));
        // embed + norm + lm_head + 2 layers x (7 linears + 2 norms)
        Assert.Equal(21, ck.TensorNames.Count);
        Assert.Equal("pt", ck.FileOf("lm_head.weight").Metadata["format"]);
        Assert.Equal([320L, 64L], ck.GetEntry("model.embed_tokens.weight").Shape);
        Assert.Equal([32L, 64L], ck.GetEntry("model.layers.1.self_attn.k_proj.weight").Shape);   // 2 kv heads x 16
        Assert.Equal([64L, 192L], ck.GetEntry("model.layers.0.mlp.down_proj.weight").Shape);
        Assert.All(ck.TensorNames, n => Assert.Equal(SafetensorsDType.F32, ck.GetEntry(n).DType));

        // norm weights are 1 + 0.1 N(0,1): mean near 1, all positive for this seed's spread.
        var norm = new float[64];
        ck.ReadFloat32("model.norm.weight", norm);
        Assert.InRange(norm.Average(), 0.95, 1.05);
        Assert.InRange(norm.Min(), 0.6f, 1f);
        Assert.InRange(norm.Max(), 1f, 1.4f);
    }

    [Fact]
    public void TinyLlamaBf16_Model_IsTiedBf16AndRoundTripsThroughF32Exactly()
    {
        using var ck = SafetensorsCheckpoint.Open(TestPaths.GoldenModel("tiny-llama-bf16"));
        Assert.False(ck.Contains("lm_head.weight"));   // tie_word_embeddings
        Assert.Equal(20, ck.TensorNames.Count);
        foreach (string name in ck.TensorNames)
        {
            TensorEntry e = ck.GetEntry(name);
            Assert.Equal(SafetensorsDType.BF16, e.DType);
            var f32 = new float[e.ElementCount];
            ck.ReadFloat32(name, f32);
            var back = new ushort[f32.Length];
            FloatConversions.SingleToBFloat16(f32, back);
            Assert.True(MemoryMarshal.AsBytes(back.AsSpan()).SequenceEqual(ck.GetBytes(name)), name);
        }
        var embed = new float[300 * 64];
        ck.ReadFloat32("model.embed_tokens.weight", embed);
        double std = Math.Sqrt(embed.Select(x => (double)x * x).Average());
        Assert.InRange(std, 0.13, 0.17);   // randn * 0.15 for tied models
    }

    [Theory]
    [InlineData("tiny-mistral", 320)]
    [InlineData("tiny-llama-bf16", 300)]
    public void Cases_InputIdsAndLabels_HaveTheDocumentedShapesAndValues(string model, int vocab)
    {
        using var f = SafetensorsFile.Open(Golden(model, "cases.safetensors"));
        TensorEntry ids = f.GetEntry("input_ids");
        Assert.Equal(SafetensorsDType.I64, ids.DType);
        Assert.Equal([2L, 24L], ids.Shape);
        var inputIds = new long[48];
        var labels = new long[48];
        f.ReadInt64("input_ids", inputIds);
        f.ReadInt64("labels", labels);
        Assert.All(inputIds, id => Assert.InRange(id, 3, vocab - 1));   // torch.randint(3, vocab)
        for (int i = 0; i < 48; i++)
            Assert.Equal(i % 24 < 8 ? -100 : inputIds[i], labels[i]);   // prompt_len 8 masked
        Assert.Equal([2L, 24L, (long)vocab], f.GetEntry("logits_base").Shape);
        Assert.Equal([5L], f.GetEntry("losses_5_steps").Shape);
        Assert.Contains("AdamW", f.Metadata["about"]);
    }
}
