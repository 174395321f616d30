using System.Numerics;
using System.Runtime.InteropServices;
using ShawBot.Engine.IO;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Quantization;

namespace ShawBot.Engine.Model;

/// <summary>
/// A frozen Linear whose weight W [Out, In] is held in bitsandbytes 4-bit form (NF4 or FP4, as the
/// tensor says; plain or double-quantized). y (+)= x·Wᵀ and dx (+)= dy·W dequantize on the fly
/// (<see cref="MatMul4Bit"/>); nothing larger than a 32 KB panel is ever dequantized.
/// Double-quantized scales stay 8-bit in memory (1 byte per 64 weights, not 4): the kernels decode
/// them where they use them, bit for bit as <see cref="QuantizedTensor4Bit.GetBlockAbsmax"/>. Only a
/// nested block size that is not a power of two (never written by bitsandbytes) is decoded to fp32 here.
/// </summary>
public sealed unsafe class Nf4Linear : IInt8Linear
{
    private readonly object _int8Gate = new();
    private ushort* _int8Scales;  // BF16 absmax per block, built on the first int8 call (2 bytes per 64 weights)
    private sbyte* _int8Table;    // [T | −T | T | −T], T = round(code·127); 64-byte aligned
    private volatile bool _int8Ready;
    private GCHandle _packed;     // pins Weight.Packed for the kernels' lifetime
    private GCHandle _scales;     // pins Weight.Absmax (plain) or Weight.AbsmaxCodes (double-quantized)
    private GCHandle _nested;     // pins Weight.NestedAbsmax
    private float* _decoded;      // float[BlockCount] only for a nested block size that is not a power of two
    private float* _tables;       // [0, 16): the 4-bit code table; [16, 272): the nested 8-bit map; 64-byte aligned
    private readonly int _blockShift;
    private bool _disposed;

    /// <param name="weight">the quantized weight, [Out, In] row-major.</param>
    /// <param name="originalDtype">the dtype before quantization ("float32", "bfloat16", "float16"), written back when saving.</param>
    public Nf4Linear(QuantizedTensor4Bit weight, string originalDtype = "float32")
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (originalDtype is not ("float32" or "bfloat16" or "float16"))
            throw new ArgumentException($"dtype '{originalDtype}' is not float32, bfloat16 or float16", nameof(originalDtype));
        if (!BitOperations.IsPow2(weight.BlockSize))
            throw new ArgumentException($"block size {weight.BlockSize} is not a power of two", nameof(weight));
        Weight = weight;
        OriginalDtype = originalDtype;
        _blockShift = BitOperations.Log2((uint)weight.BlockSize);
        _tables = (float*)NativeMemory.AlignedAlloc(272 * sizeof(float), 64);
        weight.Code.CopyTo(new Span<float>(_tables, 16));
        _packed = GCHandle.Alloc(weight.Packed, GCHandleType.Pinned);
        HugePages.Advise((void*)_packed.AddrOfPinnedObject(), weight.Packed.LongLength);
        if (!weight.IsDoubleQuantized)
            _scales = GCHandle.Alloc(weight.Absmax!, GCHandleType.Pinned);
        else if (BitOperations.IsPow2(weight.NestedBlockSize) && weight.NestedCode.Length == 256)
        {
            weight.NestedCode.CopyTo(new Span<float>(_tables + 16, 256));
            _scales = GCHandle.Alloc(weight.AbsmaxCodes!, GCHandleType.Pinned);
            _nested = GCHandle.Alloc(weight.NestedAbsmax!, GCHandleType.Pinned);
        }
        else
        {
            int blocks = weight.BlockCount;
            _decoded = (float*)NativeMemory.AlignedAlloc((nuint)blocks * sizeof(float), 64);
            weight.CopyAbsmaxTo(new Span<float>(_decoded, blocks));
        }
    }

    /// <summary>Quantizes a row-major [outFeatures, inFeatures] fp32 weight.</summary>
    public static Nf4Linear Quantize(ReadOnlySpan<float> w, int outFeatures, int inFeatures, QuantType4Bit type, bool doubleQuant,
        string originalDtype = "float32")
        => new(QuantizedTensor4Bit.Quantize(w, outFeatures, inFeatures, type, doubleQuant: doubleQuant), originalDtype);

    public QuantizedTensor4Bit Weight { get; }
    public QuantType4Bit QuantType => Weight.QuantType;
    public string OriginalDtype { get; }
    public int InFeatures => Weight.Cols;
    public int OutFeatures => Weight.Rows;

    /// <summary>The stored form (packed codes + statistics), plus fp32 scales in the rare case they are decoded.</summary>
    public long SizeInBytes => Weight.SizeInBytes + (_decoded != null ? Weight.BlockCount * 4L : 0)
        + (_int8Scales != null ? Weight.BlockCount * 2L + 64 : 0);

    /// <summary>The int8 kernels need 64-blocks and rows of whole blocks.</summary>
    public bool SupportsInt8 => Weight.BlockSize == Int8Activations.Block && Int8Activations.Supports(Weight.Cols);

    internal Weights4BitInt8 Int8Kernel
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!SupportsInt8) throw new InvalidOperationException($"no int8 kernel for a [{Weight.Rows}, {Weight.Cols}] weight with block size {Weight.BlockSize}");
            if (!_int8Ready) BuildInt8();
            return new Weights4BitInt8 { Packed = (byte*)_packed.AddrOfPinnedObject(), Scales = _int8Scales, Table = _int8Table, Rows = Weight.Rows, Cols = Weight.Cols };
        }
    }

    /// <summary>Once: the block scales as BF16 (the fp32 absmax, double quant decoded, rounded to nearest even) and the int8 codebook.</summary>
    private void BuildInt8()
    {
        lock (_int8Gate)
        {
            if (_int8Ready) return;
            var table = (sbyte*)NativeMemory.AlignedAlloc(64, 64);
            for (int n = 0; n < 16; n++)
            {
                var t = (sbyte)(int)MathF.Round(Weight.Code[n] * 127f, MidpointRounding.ToEven);
                table[n] = table[32 + n] = t;
                table[16 + n] = table[48 + n] = (sbyte)-t;
            }
            int blocks = Weight.BlockCount;
            var scales = (ushort*)NativeMemory.AlignedAlloc((nuint)blocks * 2, 64);
            for (int b = 0; b < blocks; b++) scales[b] = FloatConversions.SingleToBFloat16(Weight.GetBlockAbsmax(b));
            _int8Table = table;
            _int8Scales = scales;
            _int8Ready = true;
        }
    }

    public void ForwardInt8(Int8Activations x, Span<float> y, int ldy, bool accumulate)
    {
        ArgumentNullException.ThrowIfNull(x);
        MatMul.CheckShapes((long)x.Rows * x.Cols, x.Rows, x.Cols, InFeatures, y.Length, ldy, OutFeatures);
        Weights4BitInt8 w = Int8Kernel;
        fixed (float* py = y)
            MatMul4BitInt8.Forward(w, x, py, ldy, accumulate);
    }

    internal Weights4Bit Kernel
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var w = new Weights4Bit
            {
                Packed = (byte*)_packed.AddrOfPinnedObject(), Table = _tables,
                Rows = Weight.Rows, Cols = Weight.Cols, BlockShift = _blockShift,
            };
            if (_decoded != null) w.Absmax = _decoded;
            else if (!Weight.IsDoubleQuantized) w.Absmax = (float*)_scales.AddrOfPinnedObject();
            else
            {
                w.AbsmaxCodes = (byte*)_scales.AddrOfPinnedObject();
                w.NestedCode = _tables + 16;
                w.NestedAbsmax = (float*)_nested.AddrOfPinnedObject();
                w.NestedOffset = Weight.NestedOffset;
                w.NestedShift = BitOperations.Log2((uint)Weight.NestedBlockSize);
            }
            return w;
        }
    }

    public void Forward(ReadOnlySpan<float> x, int m, int ldx, Span<float> y, int ldy, bool accumulate)
    {
        MatMul.CheckShapes(x.Length, m, ldx, InFeatures, y.Length, ldy, OutFeatures);
        Weights4Bit w = Kernel;
        fixed (float* px = x) fixed (float* py = y)
            MatMul4Bit.Forward(w, px, m, ldx, py, ldy, accumulate);
    }

    public void BackwardInput(ReadOnlySpan<float> dy, int m, int lddy, Span<float> dx, int lddx, bool accumulate)
    {
        MatMul.CheckShapes(dy.Length, m, lddy, OutFeatures, dx.Length, lddx, InFeatures);
        Weights4Bit w = Kernel;
        fixed (float* pdy = dy) fixed (float* pdx = dx)
            MatMul4Bit.BackwardInput(w, pdy, m, lddy, pdx, lddx, accumulate);
    }

    public float[] ToDense()
    {
        var w = new float[Weight.ElementCount];
        Weight.Dequantize(w);
        return w;
    }

    /// <summary>y = x·Wᵀ through a full fp32 dequantization and <see cref="MatMul.Reference"/> (tests).</summary>
    public void ForwardReference(ReadOnlySpan<float> x, int m, Span<float> y)
        => MatMul.Reference(x, m, ToDense(), OutFeatures, InFeatures, y);

    /// <summary>dx = dy·W through a full fp32 dequantization, in double (tests).</summary>
    public void BackwardInputReference(ReadOnlySpan<float> dy, int m, Span<float> dx)
    {
        float[] w = ToDense();
        int n = OutFeatures, k = InFeatures;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < k; j++)
            {
                double s = 0;
                for (int r = 0; r < n; r++) s += (double)dy[i * n + r] * w[(long)r * k + j];
                dx[i * k + j] = (float)s;
            }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_decoded != null) { NativeMemory.AlignedFree(_decoded); _decoded = null; }
        if (_tables != null) { NativeMemory.AlignedFree(_tables); _tables = null; }
        if (_int8Scales != null) { NativeMemory.AlignedFree(_int8Scales); _int8Scales = null; }
        if (_int8Table != null) { NativeMemory.AlignedFree(_int8Table); _int8Table = null; }
        if (_packed.IsAllocated) _packed.Free();
        if (_scales.IsAllocated) _scales.Free();
        if (_nested.IsAllocated) _nested.Free();
        GC.SuppressFinalize(this);
    }

    ~Nf4Linear() => Dispose();
}
