using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Model;

/// <summary>The projections of a decoder layer, in the order PEFT names them.</summary>
public enum Projection { Q, K, V, O, Gate, Up, Down }

/// <summary>A frozen weight W [Out, In] that computes y (+)= x · Wᵀ; dense fp32 or 4-bit.</summary>
public interface ILinear : IDisposable
{
    int InFeatures { get; }
    int OutFeatures { get; }
    /// <summary>Bytes held for the weight (and its statistics).</summary>
    long SizeInBytes { get; }
    /// <summary>x [m, In] with row stride ldx, y [m, Out] with row stride ldy.</summary>
    void Forward(ReadOnlySpan<float> x, int m, int ldx, Span<float> y, int ldy, bool accumulate);
    /// <summary>dx [m, In] (+)= dy [m, Out] · W: the input gradient through the frozen weight.</summary>
    void BackwardInput(ReadOnlySpan<float> dy, int m, int lddy, Span<float> dx, int lddx, bool accumulate);
    /// <summary>Row-major fp32 copy of W [Out, In] (merging, saving, tests).</summary>
    float[] ToDense();
}

/// <summary>
/// A frozen weight that also runs the int8 fast path (<see cref="KernelMode.Fast"/>): y (+)= x·Wᵀ with x
/// already quantized (<see cref="Int8Activations"/>, shared by every matrix reading the same input).
/// </summary>
public interface IInt8Linear : ILinear
{
    /// <summary>Whether this weight's shape and format have an int8 kernel (else callers use <see cref="ILinear.Forward"/>).</summary>
    bool SupportsInt8 { get; }
    void ForwardInt8(Int8Activations x, Span<float> y, int ldy, bool accumulate);
}

/// <summary>An fp32 weight packed for the GEMM micro-kernel; the transpose is packed lazily for backward.</summary>
public sealed class DenseLinear : ILinear
{
    private readonly PackedMatrix _w;
    private PackedMatrix? _wt;   // Wᵀ [In, Out], built on the first backward call (training only)
    private readonly object _gate = new();

    public DenseLinear(PackedMatrix w) => _w = w;

    public static DenseLinear FromRowMajor(ReadOnlySpan<float> w, int outFeatures, int inFeatures)
        => new(PackedMatrix.FromRowMajor(w, outFeatures, inFeatures));

    public int InFeatures => _w.K;
    public int OutFeatures => _w.N;
    public long SizeInBytes => _w.SizeInBytes + (_wt?.SizeInBytes ?? 0);
    public PackedMatrix Packed => _w;

    public void Forward(ReadOnlySpan<float> x, int m, int ldx, Span<float> y, int ldy, bool accumulate)
        => MatMul.Forward(x, m, ldx, _w, y, ldy, accumulate);

    public void BackwardInput(ReadOnlySpan<float> dy, int m, int lddy, Span<float> dx, int lddx, bool accumulate)
    {
        if (_wt == null)
            lock (_gate)
            {
                _wt ??= _w.Transposed();
            }
        MatMul.Forward(dy, m, lddy, _wt, dx, lddx, accumulate);
    }

    public float[] ToDense() => _w.ToRowMajor();

    public void Dispose() { _w.Dispose(); _wt?.Dispose(); }
}
