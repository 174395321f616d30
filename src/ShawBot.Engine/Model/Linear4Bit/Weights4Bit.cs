using System.Runtime.CompilerServices;

namespace ShawBot.Engine.Model;

/// <summary>
/// A bitsandbytes 4-bit weight W [Rows, Cols] as the kernels read it (pointers stay valid while
/// the owner, <see cref="Nf4Linear"/>, keeps them pinned):
///   Packed        byte[(Rows·Cols+1)/2]  flat value i = r·Cols + c in byte i/2, high nibble when i is even
///   Table         float[16]              NF4 or FP4 code → value in [-1, 1]
///   scale of block b = i >> BlockShift, either
///     Absmax      float[blocks]          plain fp32 scales (AbsmaxCodes null), or, double-quantized,
///     AbsmaxCodes byte[blocks], NestedCode float[256], NestedAbsmax float[blocks >> NestedShift], NestedOffset:
///                 NestedCode[AbsmaxCodes[b]] · NestedAbsmax[b >> NestedShift] + NestedOffset (fp32, in that
///                 order, as bitsandbytes), decoded where it is used so the kernels read 1 byte per block, not 4.
/// W[r, c] = Table[nibble(i)] · scale(b)  (one fp32 multiply, as bitsandbytes).
/// </summary>
internal unsafe struct Weights4Bit
{
    public byte* Packed;
    public float* Absmax;
    public byte* AbsmaxCodes;
    public float* NestedCode;
    public float* NestedAbsmax;
    public float NestedOffset;
    public int NestedShift;
    public float* Table;
    public int Rows;
    public int Cols;
    public int BlockShift;

    public readonly int BlockSize => 1 << BlockShift;

    public readonly bool IsDoubleQuantized => AbsmaxCodes != null;

    /// <summary>The fp32 absmax of block b, bit for bit what the reference dequantization uses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Scale(long block) => AbsmaxCodes == null ? Absmax[block]
        : NestedCode[AbsmaxCodes[block]] * NestedAbsmax[block >> NestedShift] + NestedOffset;

    /// <summary>The fused GEMV needs every 64-value chunk of a row inside one block.</summary>
    public readonly bool RowsAreWholeChunks => Cols % 64 == 0 && BlockShift >= 6;
}
