using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Tests.Lora;

public class AdapterTests
{
    public static TheoryData<string> Models => new() { "tiny-mistral", "tiny-llama-bf16" };

    /// <summary>A golden case, its fp32 model and its PEFT adapter.</summary>
    private static (GoldenCase G, LlamaModel Model, LoraAdapter Adapter) Golden(string name)
    {
        var g = GoldenCase.Load(name);
        var model = ModelLoader.Load(g.Folder);
        return (g, model, PeftAdapterFiles.Load(Path.Combine(g.Folder, "adapter"), model.Config));
    }

    [Theory, MemberData(nameof(Models))]
    public void MergedModelMatchesBasePlusAdapter(string name)
    {
        var (g, model, adapter) = Golden(name);
        using var _ = model;
        var warnings = LoraMerge.MergeInto(model, adapter);
        Assert.Empty(warnings);
        var logits = new float[g.T * g.V];
        new InferenceSession(model, 64).Forward(g.Sequence(0), logits, allLogits: true);
        Assertions.Close(g.Floats("logits_lora").AsSpan(0, g.T * g.V), logits, 1e-4, "merged logits vs logits_lora");
    }

    /// <summary>Decode applies the adapter one row at a time (its own kernel): token by token through the cache it must give logits_lora.</summary>
    [Theory, MemberData(nameof(Models))]
    public void OneTokenAtATimeWithTheAdapterMatchesTheGoldenLogits(string name)
    {
        var (g, model, adapter) = Golden(name);
        using var _ = model;
        var session = new InferenceSession(model, 64);
        int[] seq = g.Sequence(0);
        var want = g.Floats("logits_lora");
        var row = new float[g.V];
        for (int i = 0; i < g.T; i++)
        {
            session.Forward([seq[i]], row, false, adapter);
            Assertions.Close(want.AsSpan(i * g.V, g.V), row, 1e-4, $"position {i}");
        }
    }

    /// <summary>The one-row kernel against a double-precision reference, on shapes big enough to split over the workers, for each vector width it takes.</summary>
    [Theory]
    [InlineData(16, 4096, 14336)]
    [InlineData(8, 14336, 4096)]
    [InlineData(4, 700, 300)]
    [InlineData(24, 512, 1000)]
    public void OneRowKernelMatchesTheReference(int r, int inF, int outF)
    {
        var rng = new Random(r + inF);
        float[] Rand(int n, double scale) { var v = new float[n]; for (int i = 0; i < n; i++) v[i] = (float)((rng.NextDouble() * 2 - 1) * scale); return v; }
        float[] x = Rand(inF, 1), a = Rand(r * inF, 0.05), b = Rand(outF * r, 0.05), y0 = Rand(outF, 1);
        const float scale = 2.5f;
        var y = (float[])y0.Clone();
        var t = new float[r];
        LoraRow.Apply(x, a, b, r, scale, t, y);
        var tRef = new double[r];
        for (int k = 0; k < r; k++) for (int i = 0; i < inF; i++) tRef[k] += (double)a[k * inF + i] * x[i];
        for (int j = 0; j < outF; j++)
        {
            double d = 0, l1 = 0;
            for (int k = 0; k < r; k++) { d += b[j * r + k] * tRef[k]; l1 += Math.Abs(b[j * r + k] * tRef[k]); }
            double want = y0[j] + scale * d;
            Assert.True(Math.Abs(y[j] - want) <= 1e-5 * (Math.Abs(y0[j]) + scale * l1) + 1e-4 * scale * Math.Sqrt(inF) * 0.05 * 0.05,
                $"r {r}, row {j}: got {y[j]}, want {want}");
        }
    }

    [Fact]
    public void MergingIntoA4BitBaseRequantizesAndWarns()
    {
        var g = GoldenCase.Load("tiny-mistral");
        using var model = ModelLoader.Load(g.Folder, new ModelLoadOptions { Quantize = WeightFormat.Nf4 });
        var adapter = PeftAdapterFiles.Load(Path.Combine(g.Folder, "adapter"), model.Config);
        var unmerged = new float[g.T * g.V];
        new InferenceSession(model, 64).Forward(g.Sequence(0), unmerged, true, adapter);
        var warnings = LoraMerge.MergeInto(model, adapter);
        Assert.Single(warnings);
        Assert.Contains("quantized again", warnings[0]);
        Assert.IsType<ShawBot.Engine.Model.Nf4Linear>(model.Layers[1].Down);
        var merged = new float[g.T * g.V];
        new InferenceSession(model, 64).Forward(g.Sequence(0), merged, true);
        // Requantization moves results by about one quantization step, not more.
        double maxLogit = unmerged.Max(Math.Abs);
        Assertions.Close(unmerged, merged, 0.35 * maxLogit, "4-bit merged vs 4-bit base + adapter");
        Assert.NotEqual(unmerged, merged);
    }

    [Fact]
    public void SwitchingAdaptersIsAReferenceSwapThatNeverTouchesTheBase()
    {
        var g = GoldenCase.Load("tiny-mistral");
        using var model = ModelLoader.Load(g.Folder);
        var baseWeights = model.Layers[0].Q.ToDense();
        var set = new AdapterSet(model.Config);
        var golden = set.Load("v0001", Path.Combine(g.Folder, "adapter"));
        set.Add("v0002", LoraAdapter.CreateNew(model.Config, golden.Config, 3));
        Assert.Null(set.Active);
        set.Activate("v0001");
        Assert.Same(golden, set.Active);
        Assert.Equal("v0001", set.Active!.Version);

        var a = new float[g.T * g.V]; var b = new float[g.T * g.V];
        new InferenceSession(model, 64).Forward(g.Sequence(0), a, true, set.Active);
        set.Activate("v0002");                            // fresh adapter: B = 0 → base logits
        new InferenceSession(model, 64).Forward(g.Sequence(0), b, true, set.Active);
        Assertions.Close(g.Floats("logits_lora").AsSpan(0, g.T * g.V), a, 1e-4, "v0001");
        Assertions.Close(g.Floats("logits_base").AsSpan(0, g.T * g.V), b, 1e-4, "v0002");
        Assert.Equal(baseWeights, model.Layers[0].Q.ToDense());

        Assert.True(set.Unload("v0002"));
        Assert.Null(set.Active);
        Assert.Throws<KeyNotFoundException>(() => set.Activate("v0002"));
        Assert.Equal(["v0001"], set.Names);
    }

    [Fact]
    public void ADraftInProgressKeepsTheAdapterItStartedWith()
    {
        var g = GoldenCase.Load("tiny-mistral");
        using var model = ModelLoader.Load(g.Folder);
        var set = new AdapterSet(model.Config);
        var golden = set.Load("v0001", Path.Combine(g.Folder, "adapter"));
        set.Activate("v0001");
        var taken = set.Active;                           // what a draft captures at its start
        set.Add("v0002", LoraAdapter.CreateNew(model.Config, golden.Config, 3));
        set.Activate("v0002");                            // swapped mid-draft
        var logits = new float[g.T * g.V];
        new InferenceSession(model, 64).Forward(g.Sequence(0), logits, true, taken);
        Assertions.Close(g.Floats("logits_lora").AsSpan(0, g.T * g.V), logits, 1e-4, "draft with v0001");
        Assert.Equal("v0002", set.Active!.Version);
    }

    [Fact]
    public void SwapToMakesOneAdapterLiveAndDropsTheOthers()
    {
        var g = GoldenCase.Load("tiny-mistral");
        using var model = ModelLoader.Load(g.Folder);
        var set = new AdapterSet(model.Config);
        var golden = PeftAdapterFiles.Load(Path.Combine(g.Folder, "adapter"), model.Config, "candidate");
        var fresh = LoraAdapter.CreateNew(model.Config, golden.Config, 3);
        set.Add("v0001", fresh);
        set.SwapTo("v0002", golden);                      // given: added under the name, live, v0001 dropped
        Assert.Same(golden, set.Active);
        Assert.Equal("v0002", golden.Version);
        Assert.Equal(["v0002"], set.Names);
        var logits = new float[g.T * g.V];
        new InferenceSession(model, 64).Forward(g.Sequence(0), logits, true, set.Active);
        Assertions.Close(g.Floats("logits_lora").AsSpan(0, g.T * g.V), logits, 1e-4, "v0002 after SwapTo");

        set.SwapTo("v0002");                              // already loaded: no weights needed
        Assert.Same(golden, set.Active);
        var e = Assert.Throws<KeyNotFoundException>(() => set.SwapTo("v0003"));
        Assert.Contains("'v0003'", e.Message);
        Assert.Same(golden, set.Active);                  // a failed swap changes nothing
        Assert.Throws<ArgumentException>(() => set.SwapTo(null, fresh));
        set.SwapTo(null);                                 // the bare base model
        Assert.Null(set.Active);
        Assert.Empty(set.Names);
    }

    [Fact]
    public void RsLoraAndAllLinearConfigsParse()
    {
        var c = LoraConfig.Parse("""{"peft_type":"LORA","r":16,"lora_alpha":32,"target_modules":"all-linear","use_rslora":true,"lora_dropout":0.1}""", "x");
        Assert.Equal(32 / MathF.Sqrt(16), c.Scaling, 5);
        Assert.True(c.Targets(3, Projection.Down));
        var re = LoraConfig.Parse("""{"peft_type":"LORA","r":4,"lora_alpha":8,"target_modules":".*\\.(q_proj|v_proj)"}""", "x");
        Assert.True(re.Targets(0, Projection.Q));
        Assert.False(re.Targets(0, Projection.K));
        var roundTrip = LoraConfig.Parse(c.ToJson(), "x");
        Assert.Equal(c.Rank, roundTrip.Rank);
        Assert.Equal("all-linear", roundTrip.TargetPattern);
        Assert.True(roundTrip.UseRsLora);
    }
}
