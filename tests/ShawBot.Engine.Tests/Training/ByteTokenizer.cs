using System.Text;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Tests.Training;

/// <summary>A byte-level tokenizer (id = byte + 3; 0 pad, 1 BOS, 2 EOS) for the golden tiny models' 320-token vocabulary.</summary>
internal sealed class ByteTokenizer : ITokenizer
{
    public int VocabSize => 259;
    public int BosId => 1;
    public int EosId => 2;
    public int? PadId => 0;
    public int UnkId => 0;
    public bool AddBos => true;
    public bool AddEos => false;

    public int[] Encode(string text, bool addSpecial = true)
    {
        var list = new List<int>();
        Encode(text, list, addSpecial);
        return list.ToArray();
    }

    public void Encode(ReadOnlySpan<char> text, List<int> output, bool addSpecial)
    {
        if (addSpecial) output.Add(BosId);
        foreach (byte b in Encoding.UTF8.GetBytes(text.ToString())) output.Add(b + 3);
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecial = true)
    {
        var bytes = new List<byte>();
        foreach (int id in ids) if (id >= 3) bytes.Add((byte)(id - 3));
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public string IdToToken(int id) => id < 3 ? $"<{id}>" : ((char)(id - 3)).ToString();
    public int? TokenToId(string token) => token.Length == 1 && token[0] < 256 ? token[0] + 3 : null;
    public IncrementalDecoder CreateIncrementalDecoder(bool skipSpecial = true) => throw new NotSupportedException();
}
