using System.Runtime.InteropServices;

namespace ShawBot.Engine.Kernels;

/// <summary>
/// A weight matrix W [N, K] (PyTorch's Linear layout: out × in) repacked once at load time into
/// column panels for the GEMM micro-kernel: panel p holds outputs n ∈ [32p, 32p + 32) as
/// <c>panel[k * 32 + j] = W[32p + j, k]</c>, so the kernel streams one contiguous 128-byte row of
/// the panel per k and FMAs it against a broadcast activation. The last panel is zero-padded.
/// Several source matrices can be stacked along N (q|k|v, gate|up) to run as one GEMM.
/// </summary>
public sealed unsafe class PackedMatrix : IDisposable
{
    /// <summary>Outputs per panel: two Vector512 or four Vector256 of fp32.</summary>
    public const int PanelWidth = 32;

    private float* _data;   // (Panels, K, 32), 64-byte aligned
    private readonly nuint _length;

    public int N { get; }
    public int K { get; }
    public int Panels => (N + PanelWidth - 1) / PanelWidth;

    public PackedMatrix(int n, int k)
    {
        if (n <= 0 || k <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"matrix shape [{n}, {k}] must be positive");
        N = n; K = k;
        _length = (nuint)Panels * PanelWidth * (nuint)k;
        _data = (float*)NativeMemory.AlignedAlloc(_length * sizeof(float), 64);
        NativeMemory.Clear(_data, _length * sizeof(float));
    }

    /// <summary>Packs a row-major [N, K] matrix.</summary>
    public static PackedMatrix FromRowMajor(ReadOnlySpan<float> w, int n, int k)
    {
        if (w.Length != (long)n * k) throw new ArgumentException($"weight has {w.Length} values, shape [{n}, {k}] needs {(long)n * k}", nameof(w));
        var m = new PackedMatrix(n, k);
        m.SetRows(0, w, n);
        return m;
    }

    internal float* Data => _data;

    /// <summary>Address of panel p, a [K, 32] block.</summary>
    internal float* Panel(int p) => _data + (nint)p * PanelWidth * K;

    /// <summary>Writes rows [row0, row0 + rows) from a row-major [rows, K] source.</summary>
    public void SetRows(int row0, ReadOnlySpan<float> src, int rows)
    {
        if ((uint)row0 > (uint)N || rows < 0 || row0 + rows > N) throw new ArgumentOutOfRangeException(nameof(row0));
        if (src.Length != (long)rows * K) throw new ArgumentException($"source has {src.Length} values, {rows} rows of {K} need {(long)rows * K}", nameof(src));
        for (int r = 0; r < rows; r++)
        {
            int n = row0 + r;
            float* dst = Panel(n / PanelWidth) + (n % PanelWidth);
            ReadOnlySpan<float> row = src.Slice(r * K, K);
            for (int k = 0; k < K; k++) dst[(nint)k * PanelWidth] = row[k];
        }
    }

    /// <summary>Reads row n (one output's weights) back into a dense span of length K.</summary>
    public void GetRow(int n, Span<float> dst)
    {
        if ((uint)n >= (uint)N) throw new ArgumentOutOfRangeException(nameof(n));
        if (dst.Length < K) throw new ArgumentException("destination shorter than K", nameof(dst));
        float* src = Panel(n / PanelWidth) + (n % PanelWidth);
        for (int k = 0; k < K; k++) dst[k] = src[(nint)k * PanelWidth];
    }

    /// <summary>
    /// Wᵀ [K, N] packed, built straight from this packing: 32 × 32 tiles, each contiguous 4 KB on
    /// both sides, transposed in L1 — no dense copies (training's input gradient needs it once).
    /// </summary>
    public PackedMatrix Transposed()
    {
        var t = new PackedMatrix(K, N);
        for (int ps = 0; ps < Panels; ps++)
        {
            int rows = Math.Min(PanelWidth, N - ps * PanelWidth);   // W's rows in this panel = Wᵀ's columns
            for (int kb = 0; kb < K; kb += PanelWidth)
            {
                int cols = Math.Min(PanelWidth, K - kb);
                float* src = Panel(ps) + (nint)kb * PanelWidth;                       // [kk·32 + ii] = W[32ps + ii, kb + kk]
                float* dst = t.Panel(kb / PanelWidth) + (nint)ps * PanelWidth * PanelWidth;   // [ii·32 + kk] = Wᵀ[kb + kk, 32ps + ii]
                for (int ii = 0; ii < rows; ii++)
                    for (int kk = 0; kk < cols; kk++) dst[ii * PanelWidth + kk] = src[kk * PanelWidth + ii];
            }
        }
        return t;
    }

    /// <summary>Unpacks to a row-major [N, K] array (tests, saving, merging).</summary>
    public float[] ToRowMajor()
    {
        var w = new float[(long)N * K];
        for (int n = 0; n < N; n++) GetRow(n, w.AsSpan(n * K, K));
        return w;
    }

    public long SizeInBytes => (long)_length * sizeof(float);

    public void Dispose()
    {
        if (_data != null) { NativeMemory.AlignedFree(_data); _data = null; }
        GC.SuppressFinalize(this);
    }

    ~PackedMatrix() => Dispose();
}
