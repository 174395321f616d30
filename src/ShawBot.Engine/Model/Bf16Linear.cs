using System.Runtime.InteropServices;
using ShawBot.Engine.IO;
using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Model;

/// <summary>
/// A frozen Linear kept in the checkpoint's BF16 (half the bytes of fp32, exact when widened):
/// lm_head of a 4-bit model, and the tied head shares the embedding's array. W [Out, In] row-major
/// bit patterns, pinned for the kernels (<see cref="MatMulBf16"/>).
/// </summary>
public sealed unsafe class Bf16Linear : ILinear
{
    private readonly ushort[] _w;
    private GCHandle _pin;

    public Bf16Linear(ushort[] weight, int outFeatures, int inFeatures)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (outFeatures <= 0 || inFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(outFeatures), $"shape [{outFeatures}, {inFeatures}] must be positive");
        if (weight.LongLength != (long)outFeatures * inFeatures)
            throw new ArgumentException($"weight has {weight.LongLength} values, [{outFeatures}, {inFeatures}] needs {(long)outFeatures * inFeatures}", nameof(weight));
        _w = weight;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        _pin = GCHandle.Alloc(weight, GCHandleType.Pinned);
        unsafe { Kernels.HugePages.Advise((void*)_pin.AddrOfPinnedObject(), weight.LongLength * 2); }
    }

    /// <summary>Rounds an fp32 weight to BF16 (nearest even).</summary>
    public static Bf16Linear FromFloat32(ReadOnlySpan<float> w, int outFeatures, int inFeatures)
    {
        var bits = new ushort[w.Length];
        FloatConversions.SingleToBFloat16(w, bits);
        return new Bf16Linear(bits, outFeatures, inFeatures);
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public long SizeInBytes => _w.LongLength * sizeof(ushort);

    /// <summary>The BF16 bit patterns, [Out, In] row-major.</summary>
    public ReadOnlySpan<ushort> Bits => _w;

    internal bool Uses(ushort[] bits) => ReferenceEquals(_w, bits);

    private ushort* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(!_pin.IsAllocated, this);
            return (ushort*)_pin.AddrOfPinnedObject();
        }
    }

    public void Forward(ReadOnlySpan<float> x, int m, int ldx, Span<float> y, int ldy, bool accumulate)
    {
        MatMul.CheckShapes(x.Length, m, ldx, InFeatures, y.Length, ldy, OutFeatures);
        ushort* w = Pointer;
        fixed (float* px = x) fixed (float* py = y)
            MatMulBf16.Forward(w, OutFeatures, InFeatures, px, m, ldx, py, ldy, accumulate);
    }

    public void BackwardInput(ReadOnlySpan<float> dy, int m, int lddy, Span<float> dx, int lddx, bool accumulate)
    {
        MatMul.CheckShapes(dy.Length, m, lddy, OutFeatures, dx.Length, lddx, InFeatures);
        ushort* w = Pointer;
        fixed (float* pdy = dy) fixed (float* pdx = dx)
            MatMulBf16.BackwardInput(w, OutFeatures, InFeatures, pdy, m, lddy, pdx, lddx, accumulate);
    }

    public float[] ToDense()
    {
        var w = new float[_w.LongLength];
        FloatConversions.BFloat16ToSingle(_w, w);
        return w;
    }

    public void Dispose()
    {
        if (_pin.IsAllocated) _pin.Free();
        GC.SuppressFinalize(this);
    }

    ~Bf16Linear() => Dispose();
}
