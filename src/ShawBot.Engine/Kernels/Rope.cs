namespace ShawBot.Engine.Kernels;

/// <summary>
/// Rotary position embedding in transformers' rotate_half form: for i &lt; d = HS/2,
/// x'ᵢ = xᵢ cos θᵢ − xᵢ₊d sin θᵢ and x'ᵢ₊d = xᵢ₊d cos θᵢ + xᵢ sin θᵢ, θᵢ = pos · base^(−2i/HS).
/// </summary>
public sealed class RopeTable
{
    private readonly float[] _cos;   // (MaxPositions, HS/2)
    private readonly float[] _sin;

    public int HeadSize { get; }
    public int MaxPositions { get; }

    public RopeTable(int headSize, int maxPositions, double theta)
    {
        if (headSize <= 0 || headSize % 2 != 0) throw new ArgumentOutOfRangeException(nameof(headSize), headSize, "head size must be even and positive");
        HeadSize = headSize; MaxPositions = maxPositions;
        int half = headSize / 2;
        _cos = new float[(long)maxPositions * half];
        _sin = new float[(long)maxPositions * half];
        // As transformers: inv_freq = 1 / base^(arange(0, HS, 2) / HS) and freqs = pos ⊗ inv_freq, both in fp32.
        var invFreq = new float[half];
        for (int i = 0; i < half; i++) invFreq[i] = 1f / (float)Math.Pow(theta, (float)(2 * i) / headSize);
        for (int p = 0; p < maxPositions; p++)
            for (int i = 0; i < half; i++)
            {
                float angle = p * invFreq[i];
                _cos[p * half + i] = (float)Math.Cos(angle);
                _sin[p * half + i] = (float)Math.Sin(angle);
            }
    }

    /// <summary>Rotates x [T, heads, HS] (row stride ld) in place; token t sits at position positions[t].</summary>
    public void Forward(Span<float> x, int t, int heads, int ld, ReadOnlySpan<int> positions) => Apply(x, t, heads, ld, positions, 1f);

    /// <summary>The rotation is orthogonal, so its backward is the rotation by −θ.</summary>
    public void Backward(Span<float> dx, int t, int heads, int ld, ReadOnlySpan<int> positions) => Apply(dx, t, heads, ld, positions, -1f);

    private void Apply(Span<float> x, int t, int heads, int ld, ReadOnlySpan<int> positions, float sign)
    {
        int hs = HeadSize, half = hs / 2;
        for (int i = 0; i < t; i++)
        {
            int pos = positions[i];
            if ((uint)pos >= (uint)MaxPositions) throw new ArgumentOutOfRangeException(nameof(positions), pos, $"position past the RoPE table ({MaxPositions})");
            ReadOnlySpan<float> cos = _cos.AsSpan(pos * half, half), sin = _sin.AsSpan(pos * half, half);
            for (int h = 0; h < heads; h++)
            {
                Span<float> v = x.Slice(i * ld + h * hs, hs);
                for (int j = 0; j < half; j++)
                {
                    float a = v[j], b = v[j + half], c = cos[j], s = sin[j] * sign;
                    v[j] = a * c - b * s;
                    v[j + half] = b * c + a * s;
                }
            }
        }
    }
}
