namespace ShawBot.Engine.Kernels;

/// <summary>SwiGLU: m = silu(g) ⊙ u with silu(g) = g · σ(g).</summary>
public static class SwiGlu
{
    public static void Forward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> m)
    {
        if (gate.Length != up.Length || m.Length < gate.Length) throw new ArgumentException("gate, up and out must have equal lengths");
        for (int i = 0; i < gate.Length; i++)
        {
            float g = gate[i];
            m[i] = g / (1f + MathF.Exp(-g)) * up[i];
        }
    }

    /// <summary>
    /// du = dm ⊙ silu(g); dg = dm ⊙ u ⊙ σ(g)(1 + g(1 − σ(g))). Overwrites dg and du, which may be
    /// the very spans of gate and up (or dm): element i is read whole before it is written.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dm, ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> dgate, Span<float> dup)
    {
        int n = gate.Length;
        if (up.Length != n || dm.Length != n || dgate.Length < n || dup.Length < n) throw new ArgumentException("dm, gate, up, dgate and dup must have equal lengths");
        for (int i = 0; i < n; i++)
        {
            float g = gate[i], u = up[i], d = dm[i], s = 1f / (1f + MathF.Exp(-g));
            dup[i] = d * g * s;
            dgate[i] = d * u * s * (1f + g * (1f - s));
        }
    }
}
