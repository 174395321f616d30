namespace ShawBot.Engine.Quantization;

/// <summary>
/// A row-major weight (Rows x Cols) in bitsandbytes' 4-bit form (see <see cref="Blockwise4Bit"/>
/// for the packed layout):
///   Packed    byte[(n+1)/2]   two codes per byte, value 2k in the high nibble of byte k
///   Absmax    float[blocks]   fp32 scale per block of BlockSize values (when not nested)
/// or, double-quantized (bitsandbytes compress_statistics=True):
///   AbsmaxCodes  byte[blocks]          8-bit codes of (absmax - NestedOffset) in the signed dynamic map
///   NestedAbsmax float[ceil(blocks/NestedBlockSize)]  fp32 scale per 256 codes
///   NestedOffset float                 mean(absmax)
///   absmax[b] = NestedCode[AbsmaxCodes[b]] * NestedAbsmax[b / 256] + NestedOffset  (fp32, in that order).
/// A fused kernel walks block b = i / BlockSize: GetBlockAbsmax(b), then bytes
/// Packed[b*BlockSize/2 ..] with <see cref="Code"/>[nibble].
/// </summary>
public sealed class QuantizedTensor4Bit
{
    public const int DefaultBlockSize = 64;
    public const int DefaultNestedBlockSize = 256;

    private readonly float[] _code;
    private readonly float[]? _nestedCode;

    internal QuantizedTensor4Bit(QuantType4Bit type, int rows, int cols, int blockSize, byte[] packed, float[]? absmax,
        byte[]? absmaxCodes, float[]? nestedAbsmax, float nestedOffset, int nestedBlockSize, float[]? nestedCode)
    {
        QuantType = type;
        Rows = rows;
        Cols = cols;
        BlockSize = blockSize;
        Packed = packed;
        Absmax = absmax;
        AbsmaxCodes = absmaxCodes;
        NestedAbsmax = nestedAbsmax;
        NestedOffset = nestedOffset;
        NestedBlockSize = nestedBlockSize;
        _code = QuantizationTables.Code(type).ToArray();
        _nestedCode = nestedCode;
    }

    public QuantType4Bit QuantType { get; }
    public int Rows { get; }
    public int Cols { get; }
    public long ElementCount => (long)Rows * Cols;
    public int BlockSize { get; }
    public int BlockCount => BlockCountFor(ElementCount, BlockSize);

    /// <summary>(n+1)/2 bytes; value 2k in the high nibble of byte k.</summary>
    public byte[] Packed { get; }

    /// <summary>fp32 absmax per block; null when double-quantized.</summary>
    public float[]? Absmax { get; }

    public bool IsDoubleQuantized => AbsmaxCodes is not null;

    /// <summary>Double quantization: 8-bit code per block of absmax - NestedOffset.</summary>
    public byte[]? AbsmaxCodes { get; }

    /// <summary>Double quantization: fp32 scale per NestedBlockSize absmax codes.</summary>
    public float[]? NestedAbsmax { get; }

    /// <summary>Double quantization: mean of the absmax values.</summary>
    public float NestedOffset { get; }

    public int NestedBlockSize { get; }

    /// <summary>The 16-entry table, index = nibble.</summary>
    public ReadOnlySpan<float> Code => _code;

    /// <summary>The 256-entry map of the absmax codes (signed dynamic map); empty when not nested.</summary>
    public ReadOnlySpan<float> NestedCode => _nestedCode;

    /// <summary>Bytes held: packed codes plus the block statistics.</summary>
    public long SizeInBytes => Packed.LongLength
        + (Absmax?.LongLength ?? 0) * sizeof(float)
        + (AbsmaxCodes?.LongLength ?? 0)
        + (NestedAbsmax?.LongLength ?? 0) * sizeof(float)
        + (IsDoubleQuantized ? sizeof(float) + 256 * sizeof(float) : 0)
        + 16 * sizeof(float);

    public static int BlockCountFor(long elements, int blockSize) => checked((int)((elements + blockSize - 1) / blockSize));

    /// <summary>
    /// Quantizes a row-major rows x cols fp32 weight. blockSize: a power of two in [32, 4096]
    /// like bitsandbytes (64 by default). doubleQuant additionally codes the absmax values in
    /// 8 bits (blocks of 256, signed dynamic map) around their mean.
    /// Blocks are independent, so the work is split over fixed ranges of blocks with Parallel.For
    /// and the result does not depend on scheduling.
    /// </summary>
    public static unsafe QuantizedTensor4Bit Quantize(ReadOnlySpan<float> values, int rows, int cols, QuantType4Bit type,
        int blockSize = DefaultBlockSize, bool doubleQuant = false)
    {
        ValidateShape(rows, cols, blockSize);
        long n = (long)rows * cols;
        if (values.Length != n)
            throw new ArgumentException($"values holds {values.Length} floats but {rows} x {cols} needs {n}", nameof(values));

        int blocks = BlockCountFor(n, blockSize);
        var packed = new byte[(n + 1) / 2];
        var absmax = new float[blocks];
        fixed (float* p = values)
        {
            nint src = (nint)p;
            int count = (int)n;
            int parts = Math.Min(blocks, Environment.ProcessorCount * 4);
            Parallel.For(0, parts, part =>
            {
                var all = new ReadOnlySpan<float>((float*)src, count);
                (int first, int end) = Partition(blocks, parts, part);
                for (int b = first; b < end; b++)
                {
                    int start = b * blockSize;
                    int len = Math.Min(blockSize, count - start);
                    absmax[b] = Blockwise4Bit.QuantizeBlock(all.Slice(start, len), type, packed.AsSpan(start / 2));
                }
            });
        }
        return FromBlocks(type, rows, cols, blockSize, packed, absmax, doubleQuant);
    }

    /// <summary>
    /// Wraps blocks quantized elsewhere (e.g. streamed from a checkpoint with
    /// <see cref="Blockwise4Bit.QuantizeBlock"/>); doubleQuant codes the absmax values as <see cref="Quantize"/> does.
    /// </summary>
    internal static QuantizedTensor4Bit FromBlocks(QuantType4Bit type, int rows, int cols, int blockSize, byte[] packed, float[] absmax, bool doubleQuant)
    {
        CheckParts(rows, cols, blockSize, packed, absmax.Length);
        if (!doubleQuant)
            return new QuantizedTensor4Bit(type, rows, cols, blockSize, packed, absmax, null, null, 0f, DefaultNestedBlockSize, null);
        return DoubleQuantizeInPlace(type, rows, cols, blockSize, packed, absmax.ToArray());
    }

    /// <summary>
    /// Double quantization of the block absmax values; absmax (exactly BlockCount values) is
    /// overwritten with absmax − offset, so a caller can pass a pooled scratch buffer.
    /// </summary>
    internal static QuantizedTensor4Bit DoubleQuantizeInPlace(QuantType4Bit type, int rows, int cols, int blockSize, byte[] packed, Span<float> absmax)
    {
        int blocks = CheckParts(rows, cols, blockSize, packed, absmax.Length);
        // offset = mean(absmax): summed in double, rounded once to fp32.
        double sum = 0;
        foreach (float a in absmax) sum += a;
        float offset = (float)(sum / blocks);
        Span<float> centered = absmax;
        for (int b = 0; b < blocks; b++) centered[b] = absmax[b] - offset;
        var codes = new byte[blocks];
        var nested = new float[BlockCountFor(blocks, DefaultNestedBlockSize)];
        ReadOnlySpan<float> map = QuantizationTables.DynamicSignedMap;
        Blockwise8Bit.Quantize(centered, map, DefaultNestedBlockSize, codes, nested);
        return new QuantizedTensor4Bit(type, rows, cols, blockSize, packed, null, codes, nested, offset, DefaultNestedBlockSize, map.ToArray());
    }

    /// <summary>Builds a tensor from stored parts (a loaded checkpoint); checks every length.</summary>
    public static QuantizedTensor4Bit FromParts(QuantType4Bit type, int rows, int cols, int blockSize, byte[] packed, float[] absmax)
    {
        ValidateShape(rows, cols, blockSize);
        CheckParts(rows, cols, blockSize, packed, absmax.Length);
        return new QuantizedTensor4Bit(type, rows, cols, blockSize, packed, absmax, null, null, 0f, DefaultNestedBlockSize, null);
    }

    /// <summary>Double-quantized parts; nestedCode is the 256-entry map the codes index.</summary>
    public static QuantizedTensor4Bit FromParts(QuantType4Bit type, int rows, int cols, int blockSize, byte[] packed,
        byte[] absmaxCodes, float[] nestedAbsmax, float nestedOffset, int nestedBlockSize, float[] nestedCode)
    {
        ValidateShape(rows, cols, blockSize);
        int blocks = CheckParts(rows, cols, blockSize, packed, absmaxCodes.Length);
        if (nestedBlockSize <= 0) throw new ArgumentOutOfRangeException(nameof(nestedBlockSize), nestedBlockSize, "must be positive");
        int nestedBlocks = BlockCountFor(blocks, nestedBlockSize);
        if (nestedAbsmax.Length != nestedBlocks)
            throw new ArgumentException($"nested absmax needs {nestedBlocks} entries, has {nestedAbsmax.Length}", nameof(nestedAbsmax));
        if (nestedCode.Length != 256) throw new ArgumentException("the nested map has 256 entries", nameof(nestedCode));
        return new QuantizedTensor4Bit(type, rows, cols, blockSize, packed, null, absmaxCodes, nestedAbsmax, nestedOffset, nestedBlockSize, nestedCode);
    }

    /// <summary>The fp32 absmax of block b (decoded from the 8-bit code when double-quantized).</summary>
    public float GetBlockAbsmax(int block)
    {
        if (Absmax is not null) return Absmax[block];
        return _nestedCode![AbsmaxCodes![block]] * NestedAbsmax![block / NestedBlockSize] + NestedOffset;
    }

    /// <summary>All block absmax values, decoded; destination length must be BlockCount.</summary>
    public void CopyAbsmaxTo(Span<float> destination)
    {
        if (destination.Length != BlockCount)
            throw new ArgumentException($"destination needs {BlockCount} entries, has {destination.Length}", nameof(destination));
        for (int b = 0; b < destination.Length; b++) destination[b] = GetBlockAbsmax(b);
    }

    /// <summary>Number of values in block b (BlockSize except possibly the last).</summary>
    public int BlockLength(int block) => (int)Math.Min(BlockSize, ElementCount - (long)block * BlockSize);

    /// <summary>
    /// Scalar dequantization of block b into dst[0 .. BlockLength(b)); dst may be longer
    /// (a BlockSize scratch buffer), the rest is left untouched.
    /// </summary>
    public void DequantizeBlock(int block, Span<float> dst)
    {
        if ((uint)block >= (uint)BlockCount) throw new ArgumentOutOfRangeException(nameof(block), block, $"there are {BlockCount} blocks");
        int len = BlockLength(block);
        if (dst.Length < len) throw new ArgumentException($"block {block} has {len} values, dst holds {dst.Length}", nameof(dst));
        Blockwise4Bit.DequantizeBlock(Packed.AsSpan(block * (BlockSize / 2)), GetBlockAbsmax(block), _code, dst[..len]);
    }

    /// <summary>The whole weight in fp32, row-major; destination length must be Rows * Cols.</summary>
    public unsafe void Dequantize(Span<float> destination)
    {
        if (destination.Length != ElementCount)
            throw new ArgumentException($"destination needs {ElementCount} floats, has {destination.Length}", nameof(destination));
        int blocks = BlockCount;
        int parts = Math.Min(blocks, Environment.ProcessorCount * 4);
        int count = destination.Length;
        fixed (float* p = destination)
        {
            nint dst = (nint)p;
            Parallel.For(0, parts, part =>
            {
                var all = new Span<float>((float*)dst, count);
                (int first, int end) = Partition(blocks, parts, part);
                for (int b = first; b < end; b++) DequantizeBlock(b, all.Slice(b * BlockSize));
            });
        }
    }

    /// <summary>
    /// One row in fp32 (destination length Cols). Rows need not align with blocks: the row
    /// covers values [row*Cols, (row+1)*Cols), which may start and end inside a block.
    /// </summary>
    public void DequantizeRow(int row, Span<float> destination)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"there are {Rows} rows");
        if (destination.Length != Cols) throw new ArgumentException($"destination needs {Cols} floats, has {destination.Length}", nameof(destination));
        long start = (long)row * Cols;
        for (int j = 0; j < Cols; j++)
        {
            long i = start + j;
            byte b = Packed[i >> 1];
            int nibble = (i & 1) == 0 ? b >> 4 : b & 15;
            destination[j] = _code[nibble] * GetBlockAbsmax((int)(i / BlockSize));
        }
    }

    internal static void ValidateShape(int rows, int cols, int blockSize)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"shape [{rows}, {cols}] must be positive");
        if (blockSize < 32 || blockSize > 4096 || (blockSize & (blockSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "bitsandbytes block sizes are powers of two from 32 to 4096");
        if ((long)rows * cols > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(rows), $"[{rows}, {cols}] has more than {int.MaxValue} values");
    }

    private static int CheckParts(int rows, int cols, int blockSize, byte[] packed, int absmaxCount)
    {
        long n = (long)rows * cols;
        if (packed.LongLength != (n + 1) / 2)
            throw new ArgumentException($"[{rows}, {cols}] packs into {(n + 1) / 2} bytes, got {packed.LongLength}", nameof(packed));
        int blocks = BlockCountFor(n, blockSize);
        if (absmaxCount != blocks)
            throw new ArgumentException($"[{rows}, {cols}] in blocks of {blockSize} has {blocks} absmax values, got {absmaxCount}");
        return blocks;
    }

    /// <summary>Fixed split of [0, total) into parts nearly equal ranges.</summary>
    private static (int First, int End) Partition(int total, int parts, int part)
    {
        int chunk = total / parts, extra = total % parts;
        int first = part * chunk + Math.Min(part, extra);
        return (first, first + chunk + (part < extra ? 1 : 0));
    }
}
