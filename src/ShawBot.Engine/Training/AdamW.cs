namespace ShawBot.Engine.Training;

public sealed record AdamWOptions
{
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float Eps { get; init; } = 1e-8f;
    public float WeightDecay { get; init; } = 0.01f;
    /// <summary>Keep moments as 8-bit blockwise codes (bitsandbytes' paged_adamw_8bit scheme).</summary>
    public bool EightBit { get; init; }
}

/// <summary>
/// torch.optim.AdamW, step for step: θ ← θ(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε). One instance per parameter buffer.
/// </summary>
public sealed class AdamW
{
    private readonly AdamWOptions _o;
    private readonly IMomentStore _m, _v;

    public int Step { get; private set; }
    public int Length { get; }

    public AdamW(int length, AdamWOptions options)
    {
        _o = options ?? throw new ArgumentNullException(nameof(options));
        Length = length;
        // bitsandbytes keeps tensors under 4096 values in fp32 even in 8-bit mode.
        bool eight = options.EightBit && length >= 4096;
        _m = eight ? new BlockwiseMoments(length, signed: true) : new Float32Moments(length);
        _v = eight ? new BlockwiseMoments(length, signed: false) : new Float32Moments(length);
    }

    public bool EightBit => _m is BlockwiseMoments;

    public void Update(Span<float> param, ReadOnlySpan<float> grad, float lr)
    {
        if (param.Length != Length || grad.Length != Length) throw new ArgumentException($"optimizer holds {Length} values, got {param.Length} params and {grad.Length} grads");
        Step++;
        float b1 = _o.Beta1, b2 = _o.Beta2;
        float bc1 = 1f - MathF.Pow(b1, Step), bc2 = 1f - MathF.Pow(b2, Step);
        float stepSize = lr / bc1, bc2Sqrt = MathF.Sqrt(bc2), decay = 1f - lr * _o.WeightDecay;
        const int chunk = 256;   // the 8-bit stores decode and encode one block of 256 at a time
        Span<float> m = stackalloc float[chunk], v = stackalloc float[chunk];
        for (int start = 0; start < Length; start += chunk)
        {
            int n = Math.Min(chunk, Length - start);
            _m.Read(start, m[..n]); _v.Read(start, v[..n]);
            for (int i = 0; i < n; i++)
            {
                float g = grad[start + i];
                float p = param[start + i] * decay;
                m[i] = m[i] * b1 + (1f - b1) * g;            // torch: exp_avg.lerp_(grad, 1 - beta1)
                v[i] = v[i] * b2 + (1f - b2) * g * g;        // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                float denom = MathF.Sqrt(v[i]) / bc2Sqrt + _o.Eps;
                param[start + i] = p - stepSize * (m[i] / denom);
            }
            _m.Write(start, m[..n]); _v.Write(start, v[..n]);
        }
    }

    /// <summary>Serialises step and moments (checkpoints).</summary>
    public void Save(BinaryWriter w)
    {
        w.Write(Step); w.Write(Length); w.Write(EightBit);
        _m.Save(w); _v.Save(w);
    }

    public void Load(BinaryReader r)
    {
        int step = r.ReadInt32(), length = r.ReadInt32();
        bool eight = r.ReadBoolean();
        if (length != Length || eight != EightBit) throw new InvalidDataException($"optimizer state is for {length} values ({(eight ? "8" : "32")}-bit), this one has {Length} ({(EightBit ? "8" : "32")}-bit)");
        Step = step;
        _m.Load(r); _v.Load(r);
    }
}

internal interface IMomentStore
{
    void Read(int start, Span<float> dst);
    void Write(int start, ReadOnlySpan<float> src);
    void Save(BinaryWriter w);
    void Load(BinaryReader r);
}

internal sealed class Float32Moments(int length) : IMomentStore
{
    private readonly float[] _data = new float[length];
    public void Read(int start, Span<float> dst) => _data.AsSpan(start, dst.Length).CopyTo(dst);
    public void Write(int start, ReadOnlySpan<float> src) => src.CopyTo(_data.AsSpan(start));
    public void Save(BinaryWriter w) { foreach (float f in _data) w.Write(f); }
    public void Load(BinaryReader r) { for (int i = 0; i < _data.Length; i++) _data[i] = r.ReadSingle(); }
}
