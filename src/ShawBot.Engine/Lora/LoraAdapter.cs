using ShawBot.Engine.Kernels;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Lora;

/// <summary>
/// A LoRA adapter for a decoder: for each targeted (layer, projection), A (r, In) and B (Out, r),
/// all in one parameter buffer (llm.c style) in PEFT's state-dict order — layer by layer, q k v o
/// gate up down, A before B — with a gradient buffer of the same layout for training.
/// Forward: y += s · (x Aᵀ) Bᵀ. Immutable while it serves inference, so swapping the active
/// adapter is a reference swap.
/// </summary>
public sealed class LoraAdapter : ILoraDelta
{
    /// <summary>Where one module's A and B sit in <see cref="Parameters"/>.</summary>
    public sealed record Module(int Layer, Projection Projection, int In, int Out, int OffsetA, int OffsetB)
    {
        public string PeftPrefix => $"base_model.model.model.layers.{Layer}.{LayerWeights.ModuleName(Projection)}";
    }

    private readonly Module?[] _byIndex;   // (layers × 7) → module or null
    private readonly int _projections = Enum.GetValues<Projection>().Length;

    public LoraConfig Config { get; }
    /// <summary>The base model's configuration the shapes were built for.</summary>
    public ModelConfig ModelConfig { get; }
    public IReadOnlyList<Module> Modules { get; }
    /// <summary>All A and B values (see class remarks).</summary>
    public float[] Parameters { get; }
    /// <summary>d loss / d Parameters, allocated by <see cref="EnsureGradients"/>.</summary>
    public float[]? Gradients { get; private set; }
    public string Version { get; set; } = "adapter";
    public float Scaling => Config.Scaling;
    /// <summary>Training: dropout on the adapter input, re-drawn per <see cref="DropoutStep"/>.</summary>
    public bool Training { get; set; }
    public ulong DropoutStep { get; set; }

    public LoraAdapter(ModelConfig model, LoraConfig config)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        ModelConfig = model;
        _byIndex = new Module?[model.NumLayers * _projections];
        var modules = new List<Module>();
        int offset = 0, r = config.Rank;
        for (int l = 0; l < model.NumLayers; l++)
            foreach (var p in Enum.GetValues<Projection>())
            {
                if (!config.Targets(l, p)) continue;
                var (outF, inF) = Shape(model, p);
                var m = new Module(l, p, inF, outF, offset, offset + r * inF);
                offset += r * inF + outF * r;
                modules.Add(m);
                _byIndex[l * _projections + (int)p] = m;
            }
        if (modules.Count == 0) throw new LoraFormatException("adapter_config.json", "target_modules", "matches no module of the model");
        Modules = modules;
        Parameters = new float[offset];
    }

    /// <summary>(Out, In) of a projection for this model.</summary>
    public static (int Out, int In) Shape(ModelConfig c, Projection p)
    {
        int q = c.NumHeads * c.HeadDim, kv = c.NumKvHeads * c.HeadDim;
        return p switch
        {
            Projection.Q => (q, c.HiddenSize), Projection.K => (kv, c.HiddenSize), Projection.V => (kv, c.HiddenSize),
            Projection.O => (c.HiddenSize, q), Projection.Gate => (c.IntermediateSize, c.HiddenSize),
            Projection.Up => (c.IntermediateSize, c.HiddenSize), Projection.Down => (c.HiddenSize, c.IntermediateSize),
            _ => throw new ArgumentOutOfRangeException(nameof(p)),
        };
    }

    /// <summary>
    /// A new adapter as PEFT initialises it: A ~ kaiming_uniform(a = √5) = U(−1/√In, 1/√In), B = 0,
    /// so the model's outputs are unchanged until training moves B.
    /// </summary>
    public static LoraAdapter CreateNew(ModelConfig model, LoraConfig config, ulong seed)
    {
        var a = new LoraAdapter(model, config);
        var rng = new SplitMix(seed);
        foreach (var m in a.Modules)
        {
            float bound = 1f / MathF.Sqrt(m.In);
            Span<float> A = a.Parameters.AsSpan(m.OffsetA, config.Rank * m.In);
            for (int i = 0; i < A.Length; i++) A[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
        }
        return a;
    }

    public Module? Find(int layer, Projection p) =>
        (uint)(layer * _projections + (int)p) < (uint)_byIndex.Length ? _byIndex[layer * _projections + (int)p] : null;

    public Span<float> A(Module m) => Parameters.AsSpan(m.OffsetA, Config.Rank * m.In);
    public Span<float> B(Module m) => Parameters.AsSpan(m.OffsetB, m.Out * Config.Rank);

    public float[] EnsureGradients() => Gradients ??= new float[Parameters.Length];

    [ThreadStatic] private static float[]? t_scratch;

    private static Span<float> Scratch(int n)
    {
        if (t_scratch == null || t_scratch.Length < n) t_scratch = new float[Math.Max(n, 4096)];
        return t_scratch.AsSpan(0, n);
    }

    /// <summary>y [m, Out] += s · (drop(x) Aᵀ) Bᵀ.</summary>
    public bool Apply(int layer, Projection projection, ReadOnlySpan<float> x, int m, int ldx, Span<float> y, int ldy)
    {
        var mod = Find(layer, projection);
        if (mod == null) return false;
        int r = Config.Rank;
        bool drop = Training && Config.Dropout > 0;
        Span<float> scratch = Scratch(m * r + (drop ? m * mod.In : 0));
        Span<float> t = scratch[..(m * r)];
        if (drop)
        {
            Span<float> xd = scratch.Slice(m * r, m * mod.In);
            Dropout(x, m, ldx, mod, xd);
            x = xd; ldx = mod.In;
        }
        if (m == 1)
        {
            // Decode: two skinny matrix-vector products straight from the PEFT layout. The general
            // GEMM would repack A and B on every call, which cost more than the 4-bit layer itself.
            LoraRow.Apply(x[..mod.In], A(mod), B(mod), r, Scaling, t, y[..mod.Out]);
            return true;
        }
        // t = x Aᵀ · s  [m, r];  y += t Bᵀ
        Gemm.Multiply(m, r, mod.In, x, ldx, false, A(mod), mod.In, true, t, r, false);
        System.Numerics.Tensors.TensorPrimitives.Multiply(t, Scaling, t);
        Gemm.Multiply(m, mod.Out, r, t, r, false, B(mod), r, true, y, ldy, true);
        return true;
    }

    /// <summary>
    /// Backward of <see cref="Apply"/> for dy [m, Out]: with t = drop(x) Aᵀ,
    /// dB += s · dyᵀ t;  dt = s · dy B;  dA += dtᵀ drop(x);  dx += drop'(dt A).
    /// Returns false (and does nothing) when the module has no adapter.
    /// </summary>
    public bool Backward(int layer, Projection projection, ReadOnlySpan<float> x, int m, int ldx,
        ReadOnlySpan<float> dy, int lddy, Span<float> dx, int lddx)
    {
        var mod = Find(layer, projection);
        if (mod == null) return false;
        float[] g = EnsureGradients();
        int r = Config.Rank, inF = mod.In;
        bool drop = Training && Config.Dropout > 0;
        Span<float> scratch = Scratch(2 * m * r + (drop ? m * inF : 0));
        Span<float> t = scratch[..(m * r)], dt = scratch.Slice(m * r, m * r);
        ReadOnlySpan<float> xd = x;
        int ldxd = ldx;
        if (drop)
        {
            Span<float> buf = scratch.Slice(2 * m * r, m * inF);
            Dropout(x, m, ldx, mod, buf);
            xd = buf; ldxd = inF;
        }
        Gemm.Multiply(m, r, inF, xd, ldxd, false, A(mod), inF, true, t, r, false);
        System.Numerics.Tensors.TensorPrimitives.Multiply(t, Scaling, t);                 // t ← s·t
        Gemm.Multiply(mod.Out, r, m, dy, lddy, true, t, r, false, g.AsSpan(mod.OffsetB, mod.Out * r), r, true);
        Gemm.Multiply(m, r, mod.Out, dy, lddy, false, B(mod), r, false, dt, r, false);
        System.Numerics.Tensors.TensorPrimitives.Multiply(dt, Scaling, dt);               // dt = s · dy B
        Gemm.Multiply(r, inF, m, dt, r, true, xd, ldxd, false, g.AsSpan(mod.OffsetA, r * inF), inF, true);
        if (!drop)
            Gemm.Multiply(m, inF, r, dt, r, false, A(mod), inF, false, dx, lddx, true);
        else
        {
            // drop(x) has been read for the last time (dA above): its buffer takes dt A.
            Span<float> tmp = scratch.Slice(2 * m * r, m * inF);
            Gemm.Multiply(m, inF, r, dt, r, false, A(mod), inF, false, tmp, inF, false);
            ApplyMask(tmp, m, mod);
            for (int i = 0; i < m; i++)
                System.Numerics.Tensors.TensorPrimitives.Add(dx.Slice(i * lddx, inF), tmp.Slice(i * inF, inF), dx.Slice(i * lddx, inF));
        }
        return true;
    }

    /// <summary>Inverted dropout with a counter-based mask: hash(step, module, element) — no mask stored, the same in backward.</summary>
    private void Dropout(ReadOnlySpan<float> x, int m, int ldx, Module mod, Span<float> dst)
    {
        for (int i = 0; i < m; i++) x.Slice(i * ldx, mod.In).CopyTo(dst.Slice(i * mod.In, mod.In));
        ApplyMask(dst, m, mod);
    }

    private void ApplyMask(Span<float> v, int m, Module mod)
    {
        float p = (float)Config.Dropout, keep = 1f / (1f - p);
        ulong baseKey = DropoutStep * 0x9E3779B97F4A7C15UL ^ ((ulong)(mod.Layer * 8 + (int)mod.Projection) << 40);
        for (int i = 0; i < m * mod.In; i++)
        {
            ulong z = SplitMix.Mix(baseKey + (ulong)i);
            v[i] = (z >> 40) * (1.0f / (1 << 24)) < p ? 0f : v[i] * keep;
        }
    }

    string ILoraDelta.Version => Version;
}

/// <summary>SplitMix64: a tiny, portable, seedable generator (System.Random's algorithm may change between runtimes).</summary>
public struct SplitMix
{
    private ulong _state;
    public SplitMix(ulong seed) => _state = seed;
    public ulong State { readonly get => _state; set => _state = value; }

    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextULong() { ulong z = _state; _state += 0x9E3779B97F4A7C15UL; return Mix(z); }
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));
    /// <summary>Standard normal (Box–Muller).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
