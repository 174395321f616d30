using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ShawBot.Engine.IO;

namespace ShawBot.Engine.Tests.IO;

public sealed class SafetensorsFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Floats(params float[] v) => MemoryMarshal.AsBytes(v.AsSpan()).ToArray();

    private SafetensorsFormatException OpenFails(string header, byte[] data, ulong? headerLength = null)
    {
        string path = SafetensorsTestFiles.WriteRaw(_dir, "bad.safetensors", header, data, headerLength);
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void Open_ValidHandWrittenFile_ReadsEntriesInOffsetOrderAndValues()
    {
        // "b" is listed first but stored second: Tensors must come back in offset order.
        string header = """{"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"format":"pt"}}""";
        string path = SafetensorsTestFiles.WriteRaw(_dir, "ok.safetensors", header, Floats(1f, 2f, 3f, 4f));
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(["a", "b"], f.Tensors.Select(t => t.Name));
        Assert.Equal("pt", f.Metadata["format"]);
        TensorEntry b = f.GetEntry("b");
        Assert.Equal(8 + header.Length + 8, b.DataOffset);
        Assert.Equal(8, b.ByteLength);
        Assert.Equal(2, b.ElementCount);
        var dst = new float[2];
        f.ReadFloat32("b", dst);
        Assert.Equal([3f, 4f], dst);
        Assert.True(f.TryGetEntry("a", out TensorEntry a));
        Assert.Equal(Floats(1f, 2f), f.GetBytes(a).ToArray());
        Assert.False(f.TryGetEntry("c", out _));
    }

    [Fact]
    public void GetEntry_MissingTensor_ThrowsNamingFileAndTensor()
    {
        string path = SafetensorsTestFiles.WriteRaw(_dir, "ok.safetensors", """{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", [7]);
        using var f = SafetensorsFile.Open(path);
        var e = Assert.Throws<SafetensorsFormatException>(() => f.GetEntry("missing"));
        Assert.Equal("missing", e.TensorName);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void ReadFloat32_WrongDestinationLengthOrDtype_Throws()
    {
        string header = """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"i":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}}""";
        string path = SafetensorsTestFiles.WriteRaw(_dir, "ok.safetensors", header, new byte[16]);
        using var f = SafetensorsFile.Open(path);
        Assert.Throws<ArgumentException>(() => f.ReadFloat32("x", new float[3]));
        var e = Assert.Throws<SafetensorsFormatException>(() => f.ReadFloat32("i", new float[1]));
        Assert.Equal("dtype", e.Field);
        Assert.Throws<SafetensorsFormatException>(() => f.ReadInt64("x", new long[2]));
    }

    [Fact]
    public void ReadInt64_I32_WidensValues()
    {
        var ints = new[] { -5, 7, int.MaxValue };
        string path = SafetensorsTestFiles.WriteRaw(_dir, "i.safetensors", """{"i":{"dtype":"I32","shape":[3],"data_offsets":[0,12]}}""",
            MemoryMarshal.AsBytes(ints.AsSpan()).ToArray());
        using var f = SafetensorsFile.Open(path);
        var dst = new long[3];
        f.ReadInt64("i", dst);
        Assert.Equal([-5L, 7L, int.MaxValue], dst);
    }

    [Fact]
    public void Open_FileShorterThanEightBytes_Throws()
    {
        string path = _dir.File("tiny.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
        Assert.Equal("header_length", e.Field);
    }

    [Fact]
    public void Open_HeaderLengthPastEnd_Throws()
    {
        var e = OpenFails("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", [1], headerLength: 10_000);
        Assert.Equal("header_length", e.Field);
    }

    [Fact]
    public void Open_HeaderLengthOverLimit_ThrowsWithoutAllocating()
    {
        var e = OpenFails("{}", [], headerLength: ulong.MaxValue);
        Assert.Equal("header_length", e.Field);
    }

    [Fact]
    public void Open_TruncatedFile_ThrowsNamingTensorAndOffsets()
    {
        string header = """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""";
        var e = OpenFails(header, new byte[12]);   // 4 bytes short
        Assert.Equal("a", e.TensorName);
        Assert.Equal("data_offsets", e.Field);
    }

    [Fact]
    public void Open_OverlappingOffsets_Throws()
    {
        string header = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""";
        var e = OpenFails(header, new byte[12]);
        Assert.Equal("b", e.TensorName);
        Assert.Equal("data_offsets", e.Field);
        Assert.Contains("'a'", e.Message);
    }

    [Fact]
    public void Open_UnknownDtype_Throws()
    {
        var e = OpenFails("""{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}""", [0]);
        Assert.Equal(("a", "dtype"), (e.TensorName, e.Field));
        Assert.Contains("F8_E4M3", e.Message);
    }

    [Fact]
    public void Open_ShapeDisagreesWithByteCount_Throws()
    {
        var e = OpenFails("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", new byte[8]);
        Assert.Equal(("a", "shape"), (e.TensorName, e.Field));
        Assert.Contains("12", e.Message);
    }

    [Fact]
    public void Open_ShapeProductOverflows_Throws()
    {
        var e = OpenFails("""{"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}}""", new byte[8]);
        Assert.Equal(("a", "shape"), (e.TensorName, e.Field));
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "shape")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "shape")]
    [InlineData("""{"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}""", "shape")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", "data_offsets")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "data_offsets")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1]}}""", "data_offsets")]
    [InlineData("""{"a":{"shape":[1],"data_offsets":[0,4]}}""", "dtype")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}""", "extra")]
    public void Open_MalformedEntry_ThrowsNamingField(string header, string field)
    {
        var e = OpenFails(header, new byte[4]);
        Assert.Equal("a", e.TensorName);
        Assert.Equal(field, e.Field);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"__metadata__":{"format":1}}""")]
    [InlineData("""{"__metadata__":"pt"}""")]
    public void Open_MalformedHeader_Throws(string header)
    {
        OpenFails(header, new byte[4]);
    }

    [Fact]
    public void Open_HeaderNotUtf8_Throws()
    {
        byte[] header = [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'];
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        string path = _dir.File("utf8.safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
        Assert.Equal("header", e.Field);
    }

    [Fact]
    public void Open_EmptyTensorAndScalar_AreValid()
    {
        string header = """{"e":{"dtype":"F32","shape":[0,5],"data_offsets":[0,0]},"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}""";
        string path = SafetensorsTestFiles.WriteRaw(_dir, "ok.safetensors", header, Floats(2.5f));
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(0, f.GetEntry("e").ElementCount);
        Assert.Equal(1, f.GetEntry("s").ElementCount);
        var s = new float[1];
        f.ReadFloat32("s", s);
        Assert.Equal(2.5f, s[0]);
    }

    [Fact]
    public void Writer_RoundTrip_ValuesMetadataAndAlignedHeader()
    {
        string path = _dir.File("w.safetensors");
        float[] w = [1f, -2f, 3.5f, 1e-8f, float.MaxValue, -0f];
        long[] ids = [1, -100, long.MaxValue];
        var tensors = new List<TensorToWrite>
        {
            TensorToWrite.FromFloat32("w", [2, 3], w),
            TensorToWrite.FromInt64("ids", [3], ids),
            TensorToWrite.FromBytes("q", [3, 1], [9, 8, 7]),
            TensorToWrite.FromFloat32AsBFloat16("h", [2], [1f, 1.00390625f]),
        };
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "é+<>" });
        Assert.False(File.Exists(path + ".tmp"));

        byte[] raw = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(raw);
        Assert.Equal(0UL, n % 8);
        Assert.True(raw[8 + (int)n - 1] is (byte)' ' or (byte)'}');

        using var f = SafetensorsFile.Open(path);
        Assert.Equal(["w", "ids", "q", "h"], f.Tensors.Select(t => t.Name));
        Assert.Equal("é+<>", f.Metadata["note"]);
        Assert.Equal([2L, 3L], f.GetEntry("w").Shape);
        var wr = new float[6];
        f.ReadFloat32("w", wr);
        Assert.Equal(w, wr);
        var ir = new long[3];
        f.ReadInt64("ids", ir);
        Assert.Equal(ids, ir);
        Assert.Equal([9, 8, 7], f.GetBytes(f.GetEntry("q")).ToArray());
        var hr = new float[2];
        f.ReadFloat32("h", hr);
        Assert.Equal([1f, 1f], hr);   // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: rounds to even (1)
    }

    [Fact]
    public void Writer_OverwritesExistingFileAtomically()
    {
        string path = _dir.File("w.safetensors");
        SafetensorsWriter.Write(path, [TensorToWrite.FromFloat32("a", [1], [1f])]);
        SafetensorsWriter.Write(path, [TensorToWrite.FromFloat32("b", [2], [2f, 3f])]);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(["b"], f.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Writer_ByteCountDisagreesWithShapeOrDuplicateName_ThrowsAndWritesNothing()
    {
        string path = _dir.File("w.safetensors");
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [new TensorToWrite("a", SafetensorsDType.F32, [3], new byte[8])]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [TensorToWrite.FromBytes("a", [1], [1]), TensorToWrite.FromBytes("a", [1], [2])]));
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".tmp"));
    }
}
