using ShawBot.Engine.Model;

namespace ShawBot.Engine.Tests.Model;

public sealed class ModelConfigTests
{
    private const string Minimal = """
        {"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,
         "num_attention_heads":4,"vocab_size":100}
        """;

    /// <summary>Minimal config with one key replaced or removed (value null removes it).</summary>
    private static string With(string key, string? rawValue)
    {
        var dict = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, System.Text.Json.JsonElement>>(Minimal)!;
        var outDict = dict.ToDictionary(kv => kv.Key, kv => kv.Value.GetRawText());
        if (rawValue is null) outDict.Remove(key); else outDict[key] = rawValue;
        return "{" + string.Join(",", outDict.Select(kv => $"\"{kv.Key}\":{kv.Value}")) + "}";
    }

    [Fact]
    public void Load_TinyMistral_ParsesEveryField()
    {
        ModelConfig c = ModelConfig.Load(Path.Combine(TestPaths.GoldenModel("tiny-mistral"), "config.json"));
        Assert.Equal("mistral", c.ModelType);
        Assert.Equal((64, 192, 2, 4, 2, 16, 320, 256), (c.HiddenSize, c.IntermediateSize, c.NumLayers, c.NumHeads, c.NumKvHeads, c.HeadDim, c.VocabSize, c.MaxPositionEmbeddings));
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.Equal(1e-5, c.RmsNormEps);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal((1, 2), (c.BosTokenId, c.EosTokenId));
        Assert.Equal([2], c.EosTokenIds);
        Assert.Null(c.SlidingWindow);
        Assert.Equal("float32", c.TorchDtype);
        Assert.Null(c.Quantization);
        Assert.Equal(2, c.KvGroupSize);
    }

    [Fact]
    public void Load_TinyLlamaBf16_ParsesEveryField()
    {
        ModelConfig c = ModelConfig.Load(Path.Combine(TestPaths.GoldenModel("tiny-llama-bf16"), "config.json"));
        Assert.Equal("llama", c.ModelType);
        Assert.Equal((64, 160, 2, 4, 4, 16, 300), (c.HiddenSize, c.IntermediateSize, c.NumLayers, c.NumHeads, c.NumKvHeads, c.HeadDim, c.VocabSize));
        Assert.Equal(1e6, c.RopeTheta);
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal("bfloat16", c.TorchDtype);
    }

    [Fact]
    public void Parse_Minimal_AppliesTransformersDefaults()
    {
        ModelConfig c = ModelConfig.Parse(Minimal, "mem");
        Assert.Equal(16, c.HeadDim);
        Assert.Equal(4, c.NumKvHeads);
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.Equal(1e-6, c.RmsNormEps);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal(2048, c.MaxPositionEmbeddings);
        Assert.Equal((1, 2), (c.BosTokenId, c.EosTokenId));
    }

    [Fact]
    public void Parse_EosList_TakesFirstAndKeepsAll()
    {
        ModelConfig c = ModelConfig.Parse(With("eos_token_id", "[7,2,9]"), "mem");
        Assert.Equal(7, c.EosTokenId);
        Assert.Equal([7, 2, 9], c.EosTokenIds);
    }

    [Fact]
    public void Parse_HeadDimExplicit_MayDifferFromHiddenOverHeads()
    {
        ModelConfig c = ModelConfig.Parse(With("head_dim", "32"), "mem");
        Assert.Equal(32, c.HeadDim);
    }

    [Fact]
    public void Parse_QuantizationConfig_ReadsBitsandbytes4Bit()
    {
        string q = """{"quant_method":"bitsandbytes","load_in_4bit":true,"bnb_4bit_quant_type":"nf4","bnb_4bit_use_double_quant":true,"bnb_4bit_compute_dtype":"bfloat16","llm_int8_skip_modules":["lm_head"]}""";
        ModelConfig c = ModelConfig.Parse(With("quantization_config", q), "mem");
        Assert.NotNull(c.Quantization);
        QuantizationConfig qc = c.Quantization!;
        Assert.Equal(("bitsandbytes", true, "nf4", true, "bfloat16"), (qc.QuantMethod, qc.LoadIn4Bit, qc.QuantType, qc.UseDoubleQuant, qc.ComputeDtype));
        Assert.Equal(["lm_head"], qc.SkipModules);
    }

    [Theory]
    [InlineData("hidden_size", null)]
    [InlineData("intermediate_size", null)]
    [InlineData("num_hidden_layers", null)]
    [InlineData("num_attention_heads", null)]
    [InlineData("vocab_size", null)]
    [InlineData("hidden_size", "0")]
    [InlineData("vocab_size", "-3")]
    [InlineData("num_key_value_heads", "3")]
    [InlineData("model_type", "\"gpt2\"")]
    [InlineData("model_type", null)]
    [InlineData("hidden_act", "\"gelu\"")]
    [InlineData("rope_theta", "-1")]
    [InlineData("rms_norm_eps", "0")]
    [InlineData("eos_token_id", "\"x\"")]
    [InlineData("eos_token_id", "[]")]
    [InlineData("eos_token_id", "100")]
    [InlineData("torch_dtype", "\"int8\"")]
    [InlineData("hidden_size", "\"64\"")]
    public void Parse_InvalidField_ThrowsNamingFileAndField(string field, string? raw)
    {
        var e = Assert.Throws<ModelConfigException>(() => ModelConfig.Parse(With(field, raw), "cfg/config.json"));
        Assert.Equal("cfg/config.json", e.FilePath);
        Assert.Equal(field, e.Field);
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Parse_HeadDimAbsentAndHiddenNotDivisible_ThrowsOnHeadDim()
    {
        var e = Assert.Throws<ModelConfigException>(() => ModelConfig.Parse(With("num_attention_heads", "6"), "c.json"));
        Assert.Equal("head_dim", e.Field);
    }

    [Theory]
    [InlineData("""{"quant_method":"gptq","load_in_4bit":true}""", "quantization_config.quant_method")]
    [InlineData("""{"quant_method":"bitsandbytes","load_in_8bit":true}""", "quantization_config.load_in_4bit")]
    [InlineData("""{"quant_method":"bitsandbytes","load_in_4bit":true,"bnb_4bit_quant_type":"int4"}""", "quantization_config.bnb_4bit_quant_type")]
    public void Parse_BadQuantizationConfig_Throws(string q, string field)
    {
        var e = Assert.Throws<ModelConfigException>(() => ModelConfig.Parse(With("quantization_config", q), "c.json"));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Parse_NotJson_Throws()
    {
        Assert.Throws<ModelConfigException>(() => ModelConfig.Parse("{not json", "c.json"));
    }

    [Fact]
    public void Load_MissingFile_Throws()
    {
        var e = Assert.Throws<ModelConfigException>(() => ModelConfig.Load("/nonexistent/config.json"));
        Assert.Equal("/nonexistent/config.json", e.FilePath);
    }

    [Theory]
    [InlineData("tiny-mistral")]
    [InlineData("tiny-llama-bf16")]
    public void ToJson_RoundTripsGoldenConfigs(string model)
    {
        ModelConfig c = ModelConfig.Load(Path.Combine(TestPaths.GoldenModel(model), "config.json"));
        ModelConfig back = ModelConfig.Parse(c.ToJson(), "roundtrip");
        Assert.Equal(c with { EosTokenIds = back.EosTokenIds }, back);
        Assert.Equal(c.EosTokenIds, back.EosTokenIds);
        Assert.Equal(c.ToJson(), back.ToJson());
        Assert.Contains("\"num_key_value_heads\"", c.ToJson());
    }

    [Fact]
    public void ToJson_RoundTripsQuantizationAndEosList()
    {
        string q = """{"quant_method":"bitsandbytes","load_in_4bit":true,"bnb_4bit_quant_type":"fp4","bnb_4bit_use_double_quant":false,"bnb_4bit_compute_dtype":"float16"}""";
        ModelConfig c = ModelConfig.Parse(With("quantization_config", q).Replace("\"vocab_size\":100", "\"vocab_size\":100,\"eos_token_id\":[3,4],\"sliding_window\":4096"), "mem");
        ModelConfig back = ModelConfig.Parse(c.ToJson(), "roundtrip");
        Assert.Equal([3, 4], back.EosTokenIds);
        Assert.Equal(4096, back.SlidingWindow);
        Assert.Equal(("fp4", false, "float16"), (back.Quantization!.QuantType, back.Quantization.UseDoubleQuant, back.Quantization.ComputeDtype));
        Assert.Equal(c.ToJson(), back.ToJson());
    }
}
