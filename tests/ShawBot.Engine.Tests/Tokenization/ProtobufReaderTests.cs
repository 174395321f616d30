using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Tests.Tokenization;

public sealed class ProtobufReaderTests
{
    [Fact]
    public void ReadsVarintsNegativeInt32FloatsAndSkipsUnknownFields()
    {
        byte[] data =
        [
            0x08, 0xAC, 0x02,                                                 // field 1 varint 300
            0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, // field 2 int32 -1
            0x19, 1, 2, 3, 4, 5, 6, 7, 8,                                     // field 3 fixed64 (skipped)
            0x25, 0x00, 0x00, 0xC0, 0x3F,                                     // field 4 float 1.5
            0x2A, 0x02, 0x68, 0x69,                                           // field 5 string "hi"
        ];
        var reader = new ProtobufReader(data, "test.bin", "Msg");

        Assert.True(reader.TryReadTag(out int f, out var w));
        Assert.Equal((1, WireType.Varint), (f, w));
        Assert.Equal(300UL, reader.ReadVarint("a"));
        Assert.True(reader.TryReadTag(out f, out w));
        Assert.Equal(-1, reader.ReadInt32("b"));
        Assert.True(reader.TryReadTag(out f, out w));
        Assert.Equal((3, WireType.Fixed64), (f, w));
        reader.Skip(w, f);
        Assert.True(reader.TryReadTag(out f, out w));
        Assert.Equal(1.5f, reader.ReadFloat("d"));
        Assert.True(reader.TryReadTag(out f, out w));
        Assert.Equal("hi", reader.ReadString("e"));
        Assert.False(reader.TryReadTag(out _, out _));
    }

    [Fact]
    public void LengthPastEnd_ThrowsNamingField()
    {
        byte[] data = [0x0A, 0x05, 0x61];
        var reader = new ProtobufReader(data, "test.bin", "Msg");
        Assert.True(reader.TryReadTag(out _, out _));
        try
        {
            reader.ReadBytes("name");
            Assert.Fail("expected TokenizerFormatException");
        }
        catch (TokenizerFormatException e)
        {
            Assert.Equal("Msg.name", e.Field);
            Assert.Equal("test.bin", e.FilePath);
        }
    }
}
