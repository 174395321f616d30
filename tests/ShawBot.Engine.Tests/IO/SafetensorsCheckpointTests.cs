using ShawBot.Engine.IO;

namespace ShawBot.Engine.Tests.IO;

public sealed class SafetensorsCheckpointTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private void WriteShards()
    {
        SafetensorsWriter.Write(_dir.File("model-00001-of-00002.safetensors"),
            [TensorToWrite.FromFloat32("a", [2], [1f, 2f]), TensorToWrite.FromFloat32("b", [1], [3f])]);
        SafetensorsWriter.Write(_dir.File("model-00002-of-00002.safetensors"),
            [TensorToWrite.FromFloat32("c", [3], [4f, 5f, 6f])]);
    }

    private void WriteIndex(string weightMapJson) =>
        File.WriteAllText(_dir.File(SafetensorsCheckpoint.IndexFileName), $$"""{"metadata":{"total_size":24},"weight_map":{{weightMapJson}}}""");

    [Fact]
    public void Open_ShardedFolder_ResolvesEachTensorToItsShard()
    {
        WriteShards();
        WriteIndex("""{"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors","c":"model-00002-of-00002.safetensors"}""");
        using var ck = SafetensorsCheckpoint.Open(_dir.Path);
        Assert.Equal(["a", "b", "c"], ck.TensorNames.Order());
        Assert.True(ck.Contains("c"));
        Assert.False(ck.Contains("d"));
        Assert.EndsWith("model-00002-of-00002.safetensors", ck.FileOf("c").FilePath);
        var c = new float[3];
        ck.ReadFloat32("c", c);
        Assert.Equal([4f, 5f, 6f], c);
        Assert.Equal([3L], ck.GetEntry("c").Shape);
        Assert.Equal(8, ck.GetBytes("a").Length);
        var e = Assert.Throws<SafetensorsFormatException>(() => ck.GetEntry("d"));
        Assert.Equal("d", e.TensorName);
    }

    [Fact]
    public void Open_IndexNamesMissingShard_Throws()
    {
        WriteShards();
        WriteIndex("""{"a":"model-00001-of-00002.safetensors","z":"model-00003-of-00003.safetensors"}""");
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(_dir.Path));
        Assert.Equal(("z", "weight_map"), (e.TensorName, e.Field));
        Assert.Contains("model-00003-of-00003.safetensors", e.Message);
    }

    [Fact]
    public void Open_IndexMapsTensorToShardThatLacksIt_Throws()
    {
        WriteShards();
        WriteIndex("""{"a":"model-00001-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}""");
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(_dir.Path));
        Assert.Equal(("c", "weight_map"), (e.TensorName, e.Field));
    }

    [Theory]
    [InlineData("""{"a":"../model-00001-of-00002.safetensors"}""")]
    [InlineData("""{"a":7}""")]
    public void Open_IndexWithBadShardName_Throws(string map)
    {
        WriteShards();
        WriteIndex(map);
        Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(_dir.Path));
    }

    [Fact]
    public void Open_IndexWithoutWeightMap_Throws()
    {
        File.WriteAllText(_dir.File(SafetensorsCheckpoint.IndexFileName), """{"metadata":{}}""");
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(_dir.Path));
        Assert.Equal("weight_map", e.Field);
    }

    [Fact]
    public void Open_FolderWithoutWeights_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(_dir.Path));
    }

    [Fact]
    public void Open_SingleFilePathAndFolder_BothWork()
    {
        SafetensorsWriter.Write(_dir.File("model.safetensors"), [TensorToWrite.FromFloat32("x", [1], [9f])]);
        using var byFolder = SafetensorsCheckpoint.Open(_dir.Path);
        using var byFile = SafetensorsCheckpoint.Open(_dir.File("model.safetensors"));
        var a = new float[1];
        var b = new float[1];
        byFolder.ReadFloat32("x", a);
        byFile.ReadFloat32("x", b);
        Assert.Equal(9f, a[0]);
        Assert.Equal(9f, b[0]);
    }
}
