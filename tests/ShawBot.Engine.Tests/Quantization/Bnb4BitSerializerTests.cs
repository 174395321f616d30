using System.Text;
using ShawBot.Engine.IO;
using ShawBot.Engine.Quantization;

namespace ShawBot.Engine.Tests.Quantization;

public sealed class Bnb4BitSerializerTests : IDisposable
{
    private const string P = "model.layers.0.self_attn.q_proj";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static QuantizedTensor4Bit Sample(QuantType4Bit type, bool dq, int rows = 24, int cols = 40) =>
        QuantizedTensor4Bit.Quantize(QuantizedTensor4BitTests.Normals(rows * cols, 21), rows, cols, type, 64, dq);

    private SafetensorsCheckpoint Save(IEnumerable<TensorToWrite> tensors)
    {
        string path = _dir.File("model.safetensors");
        SafetensorsWriter.Write(path, tensors.ToList(), new Dictionary<string, string> { ["format"] = "pt" });
        return SafetensorsCheckpoint.Open(path);
    }

    /// <summary>The serialized tensors with one replaced (or removed when replacement is null).</summary>
    private static List<TensorToWrite> Replace(IEnumerable<TensorToWrite> tensors, string suffix, TensorToWrite? replacement) =>
        tensors.Select(t => t.Name == P + suffix ? replacement : t).OfType<TensorToWrite>().ToList();

    [Theory]
    [InlineData(QuantType4Bit.Nf4, false)]
    [InlineData(QuantType4Bit.Nf4, true)]
    [InlineData(QuantType4Bit.Fp4, false)]
    [InlineData(QuantType4Bit.Fp4, true)]
    public void SaveLoad_RoundTripsToIdenticalBytes(QuantType4Bit type, bool dq)
    {
        var q = Sample(type, dq);
        var first = Bnb4BitSerializer.ToTensors(P, q, "bfloat16").ToList();
        using var ck = Save(first);
        var loaded = Bnb4BitSerializer.FromCheckpoint(ck, P, out string dtype);
        Assert.Equal("bfloat16", dtype);
        Assert.Equal((type, 24, 40, 64, dq), (loaded.QuantType, loaded.Rows, loaded.Cols, loaded.BlockSize, loaded.IsDoubleQuantized));
        Assert.Equal(q.Packed, loaded.Packed);
        var second = Bnb4BitSerializer.ToTensors(P, loaded, dtype).ToList();
        Assert.Equal(first.Select(t => t.Name), second.Select(t => t.Name));
        for (int i = 0; i < first.Count; i++)
        {
            Assert.Equal(first[i].DType, second[i].DType);
            Assert.Equal(first[i].Shape, second[i].Shape);
            Assert.True(first[i].Data.Span.SequenceEqual(second[i].Data.Span), first[i].Name);
        }
        var a = new float[960];
        var b = new float[960];
        q.Dequantize(a);
        loaded.Dequantize(b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void ToTensors_WritesBitsandbytesKeysShapesAndJson()
    {
        var q = Sample(QuantType4Bit.Nf4, dq: false);
        var t = Bnb4BitSerializer.ToTensors(P, q, "bfloat16").ToDictionary(x => x.Name);
        Assert.Equal(
            [P + ".weight", P + ".weight.absmax", P + ".weight.quant_map", P + ".weight.quant_state.bitsandbytes__nf4"],
            t.Keys);
        Assert.Equal([480L, 1L], t[P + ".weight"].Shape);
        Assert.Equal(SafetensorsDType.U8, t[P + ".weight"].DType);
        Assert.Equal([15L], t[P + ".weight.absmax"].Shape);
        Assert.Equal(SafetensorsDType.F32, t[P + ".weight.absmax"].DType);
        Assert.Equal("""{"quant_type": "nf4", "blocksize": 64, "dtype": "bfloat16", "shape": [24, 40]}""",
            Encoding.UTF8.GetString(t[P + ".weight.quant_state.bitsandbytes__nf4"].Data.Span));
    }

    [Fact]
    public void ToTensors_DoubleQuant_WritesNestedTensorsAndPythonStyleOffset()
    {
        var q = Sample(QuantType4Bit.Fp4, dq: true);
        var t = Bnb4BitSerializer.ToTensors(P, q, "float16").ToDictionary(x => x.Name);
        Assert.Equal(SafetensorsDType.U8, t[P + ".weight.absmax"].DType);
        Assert.Equal([1L], t[P + ".weight.nested_absmax"].Shape);
        Assert.Equal([256L], t[P + ".weight.nested_quant_map"].Shape);
        string json = Encoding.UTF8.GetString(t[P + ".weight.quant_state.bitsandbytes__fp4"].Data.Span);
        string offset = Bnb4BitSerializer.PythonFloatRepr(q.NestedOffset);
        Assert.Equal($$"""{"quant_type": "fp4", "blocksize": 64, "dtype": "float16", "shape": [24, 40], "nested_blocksize": 256, "nested_dtype": "float32", "nested_offset": {{offset}}}""", json);
        Assert.Equal(q.NestedOffset, (float)double.Parse(offset, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(3.0, "3.0")]
    [InlineData(-2.25, "-2.25")]
    [InlineData(1e-05, "1e-05")]
    [InlineData(1.5e-05, "1.5e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(123.456, "123.456")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1234567890123456.0, "1234567890123456.0")]
    [InlineData(0.0, "0.0")]
    [InlineData(0.025126505643129349, "0.02512650564312935")]
    public void PythonFloatRepr_MatchesPython(double value, string expected)
    {
        Assert.Equal(expected, Bnb4BitSerializer.PythonFloatRepr(value));
    }

    [Fact]
    public void FromCheckpoint_TypeComesFromTheQuantStateKey()
    {
        var q = Sample(QuantType4Bit.Fp4, dq: false);
        using var ck = Save(Bnb4BitSerializer.ToTensors(P, q, "float32"));
        Assert.Equal(QuantType4Bit.Fp4, Bnb4BitSerializer.FromCheckpoint(ck, P).QuantType);
    }

    private QuantizationFormatException LoadFails(List<TensorToWrite> tensors, string expectedField)
    {
        using var ck = Save(tensors);
        var e = Assert.Throws<QuantizationFormatException>(() => Bnb4BitSerializer.FromCheckpoint(ck, P));
        Assert.Equal(P + ".weight", e.TensorName);
        Assert.Equal(expectedField, e.Field);
        Assert.Contains(P, e.Message);
        return e;
    }

    private static TensorToWrite Json(string type, string json)
    {
        byte[] b = Encoding.UTF8.GetBytes(json);
        return TensorToWrite.FromBytes(P + ".weight.quant_state.bitsandbytes__" + type, [b.Length], b);
    }

    [Fact]
    public void FromCheckpoint_MissingQuantState_Throws()
    {
        var t = Replace(Bnb4BitSerializer.ToTensors(P, Sample(QuantType4Bit.Nf4, false), "bfloat16"), ".weight.quant_state.bitsandbytes__nf4", null);
        LoadFails(t, "quant_state");
    }

    [Fact]
    public void FromCheckpoint_BadQuantStateJson_Throws()
    {
        var t = Replace(Bnb4BitSerializer.ToTensors(P, Sample(QuantType4Bit.Nf4, false), "bfloat16"),
            ".weight.quant_state.bitsandbytes__nf4", Json("nf4", "{\"quant_type\": \"nf4\", \"blocksize\": 6"));
        LoadFails(t, "quant_state");
    }

    [Fact]
    public void FromCheckpoint_UnknownQuantType_Throws()
    {
        var t = Replace(Bnb4BitSerializer.ToTensors(P, Sample(QuantType4Bit.Nf4, false), "bfloat16"),
            ".weight.quant_state.bitsandbytes__nf4", Json("nf4", """{"quant_type": "int4", "blocksize": 64, "dtype": "bfloat16", "shape": [24, 40]}"""));
        var e = LoadFails(t, "quant_type");
        Assert.Contains("int4", e.Message);
    }

    [Fact]
    public void FromCheckpoint_JsonTypeDisagreesWithKey_Throws()
    {
        var t = Replace(Bnb4BitSerializer.ToTensors(P, Sample(QuantType4Bit.Nf4, false), "bfloat16"),
            ".weight.quant_state.bitsandbytes__nf4", Json("nf4", """{"quant_type": "fp4", "blocksize": 64, "dtype": "bfloat16", "shape": [24, 40]}"""));
        LoadFails(t, "quant_type");
    }

    [Theory]
    [InlineData("""{"quant_type": "nf4", "blocksize": 64, "dtype": "bfloat16", "shape": [24]}""", "shape")]
    [InlineData("""{"quant_type": "nf4", "blocksize": 64, "dtype": "bfloat16", "shape": [24, 41]}""", "weight")]
    [InlineData("""{"quant_type": "nf4", "blocksize": 63, "dtype": "bfloat16", "shape": [24, 40]}""", "blocksize")]
    [InlineData("""{"quant_type": "nf4", "blocksize": 64, "dtype": "int8", "shape": [24, 40]}""", "dtype")]
    [InlineData("""{"quant_type": "nf4", "dtype": "bfloat16", "shape": [24, 40]}""", "blocksize")]
    [InlineData("""{"quant_type": "nf4", "blocksize": 64, "dtype": "bfloat16", "shape": [24, 40], "nested_blocksize": 256, "nested_dtype": "float32", "nested_offset": 0.1}""", "absmax")]
    public void FromCheckpoint_QuantStateDisagreesWithTensors_Throws(string json, string field)
    {
        var t = Replace(Bnb4BitSerializer.ToTensors(P, Sample(QuantType4Bit.Nf4, false), "bfloat16"),
            ".weight.quant_state.bitsandbytes__nf4", Json("nf4", json));
        LoadFails(t, field);
    }

    [Fact]
    public void FromCheckpoint_WrongPackedByteCount_Throws()
    {
        var t = Replace(Bnb4BitSerializer.ToTensors(P, Sample(QuantType4Bit.Nf4, false), "bfloat16"),
            ".weight", TensorToWrite.FromBytes(P + ".weight", [479, 1], new byte[479]));
        LoadFails(t, "weight");
    }

    [Theory]
    [InlineData(".weight.absmax", "absmax")]
    [InlineData(".weight.quant_map", "quant_map")]
    [InlineData(".weight.nested_absmax", "nested_absmax")]
    [InlineData(".weight.nested_quant_map", "nested_quant_map")]
    [InlineData(".weight", "weight")]
    public void FromCheckpoint_MissingCompanionTensor_Throws(string suffix, string field)
    {
        var t = Replace(Bnb4BitSerializer.ToTensors(P, Sample(QuantType4Bit.Nf4, true), "bfloat16"), suffix, null);
        var e = LoadFails(t, field);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void FromCheckpoint_AbsmaxWrongDtype_Throws()
    {
        var t = Replace(Bnb4BitSerializer.ToTensors(P, Sample(QuantType4Bit.Nf4, true), "bfloat16"),
            ".weight.absmax", TensorToWrite.FromFloat32(P + ".weight.absmax", [15], new float[15]));
        LoadFails(t, "absmax");
    }

    [Fact]
    public void FromCheckpoint_QuantMapNotTheStandardTable_Throws()
    {
        float[] wrong = QuantizationTables.Fp4.ToArray();
        var t = Replace(Bnb4BitSerializer.ToTensors(P, Sample(QuantType4Bit.Nf4, false), "bfloat16"),
            ".weight.quant_map", TensorToWrite.FromFloat32(P + ".weight.quant_map", [16], wrong));
        LoadFails(t, "quant_map");
    }

    [Fact]
    public void FromCheckpoint_BothQuantStates_Throws()
    {
        var t = Bnb4BitSerializer.ToTensors(P, Sample(QuantType4Bit.Nf4, false), "bfloat16").ToList();
        t.Add(Json("fp4", """{"quant_type": "fp4", "blocksize": 64, "dtype": "bfloat16", "shape": [24, 40]}"""));
        LoadFails(t, "quant_state");
    }

    [Fact]
    public void ToTensors_UnknownDtype_Throws()
    {
        Assert.Throws<ArgumentException>(() => Bnb4BitSerializer.ToTensors(P, Sample(QuantType4Bit.Nf4, false), "int8").ToList());
    }
}
