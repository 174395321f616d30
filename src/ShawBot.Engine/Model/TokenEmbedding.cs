using ShawBot.Engine.IO;

namespace ShawBot.Engine.Model;

/// <summary>
/// The token embedding table E (V, C), held as fp32 or, for a BF16 checkpoint loaded 4-bit, as
/// BF16 bit patterns (half the memory; rows are widened exactly when looked up).
/// </summary>
public sealed class TokenEmbedding
{
    private float[]? _f32;
    private readonly ushort[]? _bf16;
    private readonly object _gate = new();

    private TokenEmbedding(float[]? f32, ushort[]? bf16, int vocab, int dim)
    {
        _f32 = f32; _bf16 = bf16; Vocab = vocab; Dim = dim;
    }

    public static TokenEmbedding FromFloat32(float[] table, int vocab, int dim)
    {
        ArgumentNullException.ThrowIfNull(table);
        Check(table.LongLength, vocab, dim);
        return new TokenEmbedding(table, null, vocab, dim);
    }

    public static TokenEmbedding FromBFloat16(ushort[] table, int vocab, int dim)
    {
        ArgumentNullException.ThrowIfNull(table);
        Check(table.LongLength, vocab, dim);
        return new TokenEmbedding(null, table, vocab, dim);
    }

    public int Vocab { get; }
    public int Dim { get; }
    public bool IsBFloat16 => _bf16 is not null;

    /// <summary>The BF16 table (tied heads share it); null when held in fp32.</summary>
    public ushort[]? BFloat16Bits => _bf16;

    public long SizeInBytes => _f32 is not null ? _f32.LongLength * 4 : _bf16!.LongLength * 2;

    /// <summary>
    /// The fp32 table. For a BF16 table this widens it once (2× its memory) and from then on
    /// lookups read the fp32 copy, so writes to it are seen; only full-precision training needs it.
    /// </summary>
    public float[] Float32
    {
        get
        {
            if (_f32 is { } f) return f;
            lock (_gate)
            {
                if (_f32 is null)
                {
                    var w = new float[_bf16!.LongLength];
                    FloatConversions.BFloat16ToSingle(_bf16, w);
                    _f32 = w;
                }
                return _f32;
            }
        }
    }

    /// <summary>x[i·C ..] = E[tokens[i]] for each token; x holds tokens.Length · C values.</summary>
    public void Lookup(ReadOnlySpan<int> tokens, Span<float> x)
    {
        if (x.Length < (long)tokens.Length * Dim)
            throw new ArgumentException($"x holds {x.Length} values, {tokens.Length} tokens need {(long)tokens.Length * Dim}", nameof(x));
        for (int i = 0; i < tokens.Length; i++)
        {
            int t = tokens[i];
            if ((uint)t >= (uint)Vocab) throw new ArgumentOutOfRangeException(nameof(tokens), t, $"token id outside [0, {Vocab})");
            Span<float> dst = x.Slice(i * Dim, Dim);
            if (_f32 is { } f) f.AsSpan(t * Dim, Dim).CopyTo(dst);
            else FloatConversions.BFloat16ToSingle(_bf16.AsSpan(t * Dim, Dim), dst);
        }
    }

    private static void Check(long length, int vocab, int dim)
    {
        if (vocab <= 0 || dim <= 0) throw new ArgumentOutOfRangeException(nameof(vocab), $"shape [{vocab}, {dim}] must be positive");
        if (length != (long)vocab * dim) throw new ArgumentException($"table has {length} values, [{vocab}, {dim}] needs {(long)vocab * dim}");
    }
}
