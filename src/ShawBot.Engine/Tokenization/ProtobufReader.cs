using System.Buffers.Binary;
using System.Text;

namespace ShawBot.Engine.Tokenization;

/// <summary>Protobuf wire types (the low 3 bits of a field tag).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>
/// A minimal protobuf wire-format reader over a byte span. A message is a sequence of
/// (tag varint = field &lt;&lt; 3 | wire type, value); varints are little-endian base-128 of at
/// most 10 bytes; length-delimited values are a varint length then that many bytes; fixed32 is
/// 4 little-endian bytes. Every read is checked against the bytes left and throws a
/// <see cref="TokenizerFormatException"/> naming the file and the field being read.
/// </summary>
internal ref struct ProtobufReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _filePath;
    private readonly string _message;
    private int _position;

    public ProtobufReader(ReadOnlySpan<byte> data, string filePath, string message)
    {
        _data = data;
        _filePath = filePath;
        _message = message;
        _position = 0;
    }

    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>Reads the next tag; false at the end of the message.</summary>
    public bool TryReadTag(out int field, out WireType wireType)
    {
        if (AtEnd)
        {
            field = 0;
            wireType = default;
            return false;
        }

        ulong tag = ReadVarint("tag");
        field = (int)(tag >> 3);
        wireType = (WireType)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue || wireType is WireType.StartGroup or WireType.EndGroup || (int)wireType > 5)
        {
            throw Malformed("tag", $"invalid tag {tag} (field {tag >> 3}, wire type {tag & 7})");
        }

        return true;
    }

    public ulong ReadVarint(string field)
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw Malformed(field, "varint runs past the end of the data");
            }

            byte b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw Malformed(field, "varint longer than 10 bytes");
    }

    /// <summary>int32 fields: negative values are sign-extended to 64 bits on the wire.</summary>
    public int ReadInt32(string field) => (int)(long)ReadVarint(field);

    public bool ReadBool(string field) => ReadVarint(field) != 0;

    public ReadOnlySpan<byte> ReadBytes(string field)
    {
        ulong length = ReadVarint(field);
        if (length > (ulong)(_data.Length - _position))
        {
            throw Malformed(field, $"length {length} exceeds the {_data.Length - _position} bytes left");
        }

        var bytes = _data.Slice(_position, (int)length);
        _position += (int)length;
        return bytes;
    }

    public string ReadString(string field)
    {
        var bytes = ReadBytes(field);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new TokenizerFormatException(_filePath, $"{_message}.{field}", "string is not valid UTF-8", e);
        }
    }

    public float ReadFloat(string field)
    {
        if (_data.Length - _position < 4)
        {
            throw Malformed(field, "fixed32 runs past the end of the data");
        }

        float value = BinaryPrimitives.ReadSingleLittleEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    /// <summary>Checks that a known field arrived with the wire type its schema gives.</summary>
    public readonly void Expect(WireType actual, WireType expected, string field)
    {
        if (actual != expected)
        {
            throw Malformed(field, $"wire type {actual}, expected {expected}");
        }
    }

    /// <summary>Skips the value of an unknown field.</summary>
    public void Skip(WireType wireType, int field)
    {
        string name = "field " + field;
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint(name);
                break;
            case WireType.Fixed64:
                Advance(8, name);
                break;
            case WireType.LengthDelimited:
                ReadBytes(name);
                break;
            case WireType.Fixed32:
                Advance(4, name);
                break;
            default:
                throw Malformed(name, $"unsupported wire type {wireType}");
        }
    }

    private void Advance(int count, string field)
    {
        if (_data.Length - _position < count)
        {
            throw Malformed(field, "value runs past the end of the data");
        }

        _position += count;
    }

    private readonly TokenizerFormatException Malformed(string field, string message) =>
        new(_filePath, $"{_message}.{field}", $"{message} (at byte {_position} of the message)");
}
