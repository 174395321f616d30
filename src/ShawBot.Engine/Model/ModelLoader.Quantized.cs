using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ShawBot.Engine.IO;
using ShawBot.Engine.Quantization;

namespace ShawBot.Engine.Model;

public static partial class ModelLoader
{
    /// <summary>Values quantized per read when streaming a dense tensor: 16384 blocks of 64 (4 MB of fp32).</summary>
    private const int StreamChunk = 64 * 16384;

    /// <summary>
    /// A module stored 4-bit (a <c>.weight.quant_state.bitsandbytes__nf4|__fp4</c> companion) loads as
    /// it is stored, whatever options.Quantize says; a dense module is quantized here, streamed from
    /// the file when NF4/FP4 is asked, else left to <see cref="QuantizeOrPack"/>.
    /// </summary>
    private static partial ILinear? TryLoadQuantized(SafetensorsCheckpoint ck, string module, int rows, int cols, ModelLoadOptions options)
    {
        string name = module + ".weight";
        if (ck.Contains(name + ".quant_state.bitsandbytes__nf4") || ck.Contains(name + ".quant_state.bitsandbytes__fp4"))
        {
            QuantizedTensor4Bit q = Bnb4BitSerializer.FromCheckpoint(ck, module, out string dtype);
            if (q.Rows != rows || q.Cols != cols)
                throw new QuantizationFormatException(name, "shape", $"is [{q.Rows}, {q.Cols}], config.json implies [{rows}, {cols}]");
            return new Nf4Linear(q, dtype);
        }
        if (options.Quantize == WeightFormat.Float32) return null;
        TensorEntry e = CheckShape(ck, name, [rows, cols]);
        QuantizedTensor4Bit streamed = QuantizeStreaming(ck.FileOf(name).FilePath, e, rows, cols, TypeOf(options.Quantize), options.DoubleQuant);
        return new Nf4Linear(streamed, DtypeName(e, ck.FileOf(name).FilePath));
    }

    /// <summary>embed_tokens as stored when it is BF16 and keep16, else widened to fp32.</summary>
    private static TokenEmbedding LoadEmbedding(SafetensorsCheckpoint ck, ModelConfig config, bool keep16)
    {
        const string name = "model.embed_tokens.weight";
        TensorEntry e = CheckShape(ck, name, [config.VocabSize, config.HiddenSize]);
        if (keep16 && e.DType == SafetensorsDType.BF16)
            return TokenEmbedding.FromBFloat16(ReadBFloat16(ck, e), config.VocabSize, config.HiddenSize);
        return TokenEmbedding.FromFloat32(ReadVector(ck, name, [config.VocabSize, config.HiddenSize]), config.VocabSize, config.HiddenSize);
    }

    /// <summary>An untied lm_head: <see cref="Bf16Linear"/> when it is BF16 and keep16, else packed fp32.</summary>
    private static ILinear LoadHead(SafetensorsCheckpoint ck, ModelConfig config, bool keep16)
    {
        const string name = "lm_head.weight";
        TensorEntry e = CheckShape(ck, name, [config.VocabSize, config.HiddenSize]);
        if (keep16 && e.DType == SafetensorsDType.BF16)
            return new Bf16Linear(ReadBFloat16(ck, e), config.VocabSize, config.HiddenSize);
        return DenseLinear.FromRowMajor(ReadVector(ck, name, [config.VocabSize, config.HiddenSize]), config.VocabSize, config.HiddenSize);
    }

    /// <summary>A BF16 tensor's bit patterns, read with pread so the mapped pages never become resident.</summary>
    private static ushort[] ReadBFloat16(SafetensorsCheckpoint ck, TensorEntry e)
    {
        var bits = new ushort[e.ElementCount];
        TensorFileReader.ReadAll(ck, e.Name, MemoryMarshal.AsBytes(bits.AsSpan()));
        return bits;
    }

    private static partial ILinear QuantizeOrPack(ReadOnlySpan<float> w, int rows, int cols, ModelLoadOptions options)
    {
        if (options.Quantize == WeightFormat.Float32) return DenseLinear.FromRowMajor(w, rows, cols);
        return Nf4Linear.Quantize(w, rows, cols, TypeOf(options.Quantize), options.DoubleQuant);
    }

    private static QuantType4Bit TypeOf(WeightFormat f) => f switch
    {
        WeightFormat.Nf4 => QuantType4Bit.Nf4,
        WeightFormat.Fp4 => QuantType4Bit.Fp4,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "not a 4-bit format"),
    };

    /// <summary>The torch dtype name bitsandbytes records as the weight's dtype before quantization.</summary>
    internal static string DtypeName(TensorEntry e, string file = "") => e.DType switch
    {
        SafetensorsDType.F32 => "float32",
        SafetensorsDType.BF16 => "bfloat16",
        SafetensorsDType.F16 => "float16",
        _ => throw new SafetensorsFormatException(file, e.Name, "dtype", $"{e.DType.ToHeaderName()} cannot be quantized (expected F32, F16 or BF16)"),
    };

    /// <summary>
    /// Quantizes a dense [rows, cols] tensor chunk by chunk: StreamChunk values are read from the
    /// file with pread (not through the mapping, so the source pages never count towards this
    /// process's resident memory), widened to fp32, and quantized block by block in parallel.
    /// Peak extra memory: one chunk of source bytes and of fp32, whatever the tensor's size.
    /// The codes are those of <see cref="QuantizedTensor4Bit.Quantize"/> on the whole fp32 tensor.
    /// </summary>
    internal static QuantizedTensor4Bit QuantizeStreaming(string file, TensorEntry e, int rows, int cols, QuantType4Bit type, bool doubleQuant)
    {
        const int blockSize = QuantizedTensor4Bit.DefaultBlockSize;
        _ = DtypeName(e, file);   // F32, F16 or BF16, else a typed exception naming the tensor
        long n = (long)rows * cols;
        int elementSize = e.DType.ElementSize();
        if (e.ByteLength != n * elementSize)
            throw new SafetensorsFormatException(file, e.Name, "data_offsets", $"holds {e.ByteLength} bytes, [{rows}, {cols}] of {e.DType.ToHeaderName()} needs {n * elementSize}");
        var packed = new byte[(n + 1) / 2];
        int blocks = QuantizedTensor4Bit.BlockCountFor(n, blockSize);
        // With double quantization the fp32 absmax is scratch (coded to 8 bits, then dropped): pooled.
        float[] absmax = doubleQuant ? ArrayPool<float>.Shared.Rent(blocks) : new float[blocks];
        // Pooled: a 7B load quantizes 224 tensors, and fresh 6 MB buffers per tensor would pile up
        // as large-object garbage (and resident memory) between collections.
        byte[] raw = ArrayPool<byte>.Shared.Rent(StreamChunk * elementSize);
        float[] values = ArrayPool<float>.Shared.Rent(StreamChunk);
        try
        {
            QuantizeChunks(file, e, n, type, raw, values, packed, absmax);
            return doubleQuant
                ? QuantizedTensor4Bit.DoubleQuantizeInPlace(type, rows, cols, blockSize, packed, absmax.AsSpan(0, blocks))
                : QuantizedTensor4Bit.FromBlocks(type, rows, cols, blockSize, packed, absmax, doubleQuant: false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
            ArrayPool<float>.Shared.Return(values);
            if (doubleQuant) ArrayPool<float>.Shared.Return(absmax);
        }
    }

    private static void QuantizeChunks(string file, TensorEntry e, long n, QuantType4Bit type, byte[] raw, float[] values, byte[] packed, float[] absmax)
    {
        const int blockSize = QuantizedTensor4Bit.DefaultBlockSize;
        int elementSize = e.DType.ElementSize();
        using SafeFileHandle handle = TensorFileReader.Open(file);
        for (long start = 0; start < n; start += StreamChunk)
        {
            int count = (int)Math.Min(StreamChunk, n - start);
            Span<byte> bytes = raw.AsSpan(0, count * elementSize);
            TensorFileReader.Read(handle, file, e, start * elementSize, bytes);
            Span<float> chunk = values.AsSpan(0, count);
            switch (e.DType)
            {
                case SafetensorsDType.F32: MemoryMarshal.Cast<byte, float>(bytes).CopyTo(chunk); break;
                case SafetensorsDType.BF16: FloatConversions.BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(bytes), chunk); break;
                default: FloatConversions.HalfToSingle(MemoryMarshal.Cast<byte, Half>(bytes), chunk); break;
            }
            // Blocks are independent; fixed ranges per part, so the codes do not depend on scheduling.
            int blocks = (count + blockSize - 1) / blockSize, firstBlock = (int)(start / blockSize);
            int parts = Math.Min(blocks, Environment.ProcessorCount * 4);
            Parallel.For(0, parts, part =>
            {
                int b0 = (int)((long)blocks * part / parts), b1 = (int)((long)blocks * (part + 1) / parts);
                for (int b = b0; b < b1; b++)
                {
                    int s = b * blockSize, len = Math.Min(blockSize, count - s);
                    long flat = start + s;
                    absmax[firstBlock + b] = Blockwise4Bit.QuantizeBlock(values.AsSpan(s, len), type, packed.AsSpan((int)(flat / 2)));
                }
            });
        }
    }
}
