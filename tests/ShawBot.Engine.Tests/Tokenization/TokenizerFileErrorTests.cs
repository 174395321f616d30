using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Tests.Tokenization;

/// <summary>Malformed tokenizer files give a TokenizerFormatException naming the file and field.</summary>
public sealed class TokenizerFileErrorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("shawbot-tok-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("""{"model": {"type": "BPE", "merges": []}}""", "model.vocab")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 100000000}, "merges": []}}""", "model.vocab")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}}""", "model.vocab[\"b\"]")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a"]}}""", "model.merges[0]")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b", "a c"]}}""", "model.merges[1]")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": [["a", "b"]]}}""", "model.merges[0]")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [42]}}""", "model.merges[0]")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}}}""", "model.merges")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0, "b": "one"}, "merges": []}}""", "model.vocab[\"b\"]")]
    [InlineData("""{"model": {"type": "WordPiece", "vocab": {"a": 0}}}""", "model.type")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}""", "pre_tokenizer.type")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], """, "$")]
    [InlineData("""[]""", "model")]
    public void MalformedTokenizerJson_Throws(string json, string field)
    {
        string path = Path.Combine(_folder, "tokenizer.json");
        File.WriteAllText(path, json);

        var e = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.LoadTokenizerJson(path));
        Assert.Equal(field, e.Field);
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ValidMergesInBothForms_Load()
    {
        string path = Path.Combine(_folder, "tokenizer.json");
        File.WriteAllText(path, """
            {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "c": 3, "abc": 4},
                       "merges": ["a b", ["ab", "c"]]}}
            """);
        var tokenizer = TokenizerLoader.LoadTokenizerJson(path);
        Assert.Equal(new[] { 4, 2 }, tokenizer.Encode("abcab", addSpecial: false));
    }

    [Fact]
    public void MergeAcrossSpaceSymbol_IsHonoured()
    {
        // "a ▁" joins a word's end to the next word's "▁", so the merger must not cut the
        // normalized text before "▁" (its fast path for Llama-like vocabularies).
        string path = Path.Combine(_folder, "tokenizer.json");
        File.WriteAllText(path, """
            {"model": {"type": "BPE", "vocab": {"▁": 0, "a": 1, "b": 2, "a▁": 3, "▁b": 4},
                       "merges": ["a ▁", "▁ b"]},
             "normalizer": {"type": "Sequence", "normalizers": [
                {"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}}
            """);
        var tokenizer = TokenizerLoader.LoadTokenizerJson(path);
        Assert.Equal(new[] { 0, 3, 2, 3, 2 }, tokenizer.Encode("a ba b", addSpecial: false)); // ▁ a▁ b a▁ b
    }

    [Fact]
    public void TruncatedModel_Throws()
    {
        byte[] data = File.ReadAllBytes(FixturePaths.MistralTokenizerModel);
        foreach (int length in new[] { data.Length / 2, data.Length - 3, 7 })
        {
            string path = Write("truncated.model", data[..length]);
            var e = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.LoadSentencePiece(path));
            Assert.Equal(path, e.FilePath);
            Assert.StartsWith("ModelProto", e.Field);
        }
    }

    [Fact]
    public void GarbledModel_Throws()
    {
        byte[] data = File.ReadAllBytes(FixturePaths.MistralTokenizerModel);
        Array.Fill(data, (byte)0xFF, 0, 16);
        string path = Write("garbled.model", data);
        var e = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.LoadSentencePiece(path));
        Assert.Equal("ModelProto.tag", e.Field);
        Assert.Contains("varint", e.Message);
    }

    [Theory]
    [InlineData(new byte[0], "ModelProto.pieces")]
    [InlineData(new byte[] { 0x08, 0x01 }, "ModelProto.pieces")] // field 1 as a varint, not a message
    [InlineData(new byte[] { 0x0A, 0x02, 0x18, 0x09 }, "pieces[0].type")] // type 9 does not exist
    [InlineData(new byte[] { 0x0A, 0x02, 0x18, 0x01 }, "pieces[0].piece")] // piece string missing
    [InlineData(new byte[] { 0x0A, 0x03, 0x0A, 0x01, 0xFF }, "pieces[0].piece")] // not UTF-8
    [InlineData(new byte[] { 0x0A, 0x03, 0x0A, 0x01, 0x61, 0x12, 0x02, 0x18, 0x01 }, "trainer_spec.model_type")] // UNIGRAM
    [InlineData(new byte[] { 0x0B }, "ModelProto.tag")] // wire type 3 (group)
    public void MalformedModel_Throws(byte[] data, string field)
    {
        string path = Write("bad.model", data);
        var e = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.LoadSentencePiece(path));
        Assert.Equal(field, e.Field);
        Assert.IsAssignableFrom<IOException>(e);
    }

    [Fact]
    public void Load_MissingFolderOrFiles_Throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => TokenizerLoader.Load(Path.Combine(_folder, "nope")));
        Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(_folder));
    }

    private string Write(string name, byte[] data)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, data);
        return path;
    }
}
