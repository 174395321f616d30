using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ShawBot.Engine.IO;

namespace ShawBot.Engine.Quantization;

/// <summary>
/// The bitsandbytes / transformers safetensors layout of a Linear4bit named P
/// (bitsandbytes QuantState.as_dict(packed=True), saved under P + ".weight."):
///   P.weight                                U8  [(n+1)/2, 1]  packed codes
///   P.weight.absmax                         F32 [blocks], or U8 [blocks] when double-quantized
///   P.weight.quant_map                      F32 [16]   the 4-bit table
///   P.weight.nested_absmax                  F32 [ceil(blocks/256)]   (double-quantized only)
///   P.weight.nested_quant_map               F32 [256]  signed dynamic map (double-quantized only)
///   P.weight.quant_state.bitsandbytes__nf4  U8  UTF-8 JSON (or __fp4), Python json.dumps of
///     {"quant_type": "nf4", "blocksize": 64, "dtype": "bfloat16", "shape": [rows, cols]
///      [, "nested_blocksize": 256, "nested_dtype": "float32", "nested_offset": 0.0123]}
/// </summary>
public static class Bnb4BitSerializer
{
    private const string QuantStatePrefix = "quant_state.bitsandbytes__";

    public static IEnumerable<TensorToWrite> ToTensors(string prefix, QuantizedTensor4Bit q, string originalDtype)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(q);
        if (originalDtype is not ("float32" or "bfloat16" or "float16"))
            throw new ArgumentException($"dtype '{originalDtype}' is not float32, bfloat16 or float16", nameof(originalDtype));
        string w = prefix + ".weight";
        string type = q.QuantType.ToBnbName();

        var list = new List<TensorToWrite>(6)
        {
            TensorToWrite.FromBytes(w, [q.Packed.LongLength, 1], q.Packed),
            q.IsDoubleQuantized
                ? TensorToWrite.FromBytes(w + ".absmax", [q.AbsmaxCodes!.LongLength], q.AbsmaxCodes)
                : TensorToWrite.FromFloat32(w + ".absmax", [q.Absmax!.LongLength], q.Absmax),
            TensorToWrite.FromFloat32(w + ".quant_map", [16], q.Code),
        };
        if (q.IsDoubleQuantized)
        {
            list.Add(TensorToWrite.FromFloat32(w + ".nested_absmax", [q.NestedAbsmax!.LongLength], q.NestedAbsmax));
            list.Add(TensorToWrite.FromFloat32(w + ".nested_quant_map", [256], q.NestedCode));
        }
        byte[] json = QuantStateJson(q, type, originalDtype);
        list.Add(TensorToWrite.FromBytes(w + "." + QuantStatePrefix + type, [json.LongLength], json));
        return list;
    }

    /// <summary>
    /// Reads P's 4-bit weight. The type comes from the quant_state key (bitsandbytes__nf4 or
    /// __fp4), and must agree with the JSON's quant_type; every companion tensor's dtype and
    /// length is checked against the shape before any array is filled.
    /// </summary>
    public static QuantizedTensor4Bit FromCheckpoint(SafetensorsCheckpoint ck, string prefix) => FromCheckpoint(ck, prefix, out _);

    /// <summary>As above; originalDtype is the JSON's "dtype" (the weight's dtype before quantization).</summary>
    public static QuantizedTensor4Bit FromCheckpoint(SafetensorsCheckpoint ck, string prefix, out string originalDtype)
    {
        ArgumentNullException.ThrowIfNull(ck);
        string w = prefix + ".weight";
        bool hasNf4 = ck.Contains(w + "." + QuantStatePrefix + "nf4");
        bool hasFp4 = ck.Contains(w + "." + QuantStatePrefix + "fp4");
        if (hasNf4 == hasFp4)
            throw new QuantizationFormatException(w, "quant_state",
                hasNf4 ? "has both bitsandbytes__nf4 and bitsandbytes__fp4 quant states" : $"missing companion tensor {w}.{QuantStatePrefix}nf4 (or fp4)");
        QuantType4Bit keyType = hasNf4 ? QuantType4Bit.Nf4 : QuantType4Bit.Fp4;
        string stateName = w + "." + QuantStatePrefix + keyType.ToBnbName();

        Entry(ck, w, stateName, "quant_state", SafetensorsDType.U8);
        State s = ParseState(w, ck.GetBytes(stateName));
        if (s.Type != keyType)
            throw new QuantizationFormatException(w, "quant_type", $"the JSON says '{s.Type.ToBnbName()}' but the key says '{keyType.ToBnbName()}'");
        originalDtype = s.Dtype;

        long n = (long)s.Rows * s.Cols;
        int blocks = QuantizedTensor4Bit.BlockCountFor(n, s.BlockSize);
        byte[] packed = ReadU8(ck, w, w, "weight", (n + 1) / 2);

        float[] quantMap = ReadF32(ck, w, w + ".quant_map", "quant_map", 16);
        ReadOnlySpan<float> standard = QuantizationTables.Code(s.Type);
        for (int i = 0; i < 16; i++)
        {
            if (BitConverter.SingleToInt32Bits(quantMap[i]) != BitConverter.SingleToInt32Bits(standard[i]))
                throw new QuantizationFormatException(w, "quant_map", $"entry {i} is {quantMap[i]} but bitsandbytes' {s.Type.ToBnbName()} table has {standard[i]}");
        }

        if (!s.Nested)
        {
            if (ck.Contains(w + ".nested_absmax"))
                throw new QuantizationFormatException(w, "nested_offset", "nested_absmax is stored but the quant_state has no nested fields");
            float[] absmax = ReadF32(ck, w, w + ".absmax", "absmax", blocks);
            return QuantizedTensor4Bit.FromParts(s.Type, s.Rows, s.Cols, s.BlockSize, packed, absmax);
        }
        byte[] codes = ReadU8(ck, w, w + ".absmax", "absmax", blocks);
        float[] nested = ReadF32(ck, w, w + ".nested_absmax", "nested_absmax", QuantizedTensor4Bit.BlockCountFor(blocks, s.NestedBlockSize));
        float[] nestedMap = ReadF32(ck, w, w + ".nested_quant_map", "nested_quant_map", 256);
        return QuantizedTensor4Bit.FromParts(s.Type, s.Rows, s.Cols, s.BlockSize, packed, codes, nested, s.NestedOffset, s.NestedBlockSize, nestedMap);
    }

    private readonly record struct State(QuantType4Bit Type, int BlockSize, string Dtype, int Rows, int Cols,
        bool Nested, int NestedBlockSize, float NestedOffset);

    private static State ParseState(string w, ReadOnlySpan<byte> json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new QuantizationFormatException(w, "quant_state", $"is not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            JsonElement r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object)
                throw new QuantizationFormatException(w, "quant_state", $"must be a JSON object, found {r.ValueKind}");

            string typeName = String(w, r, "quant_type");
            if (!QuantType4BitExtensions.TryParseBnbName(typeName, out QuantType4Bit type))
                throw new QuantizationFormatException(w, "quant_type", $"unknown quant_type '{typeName}' (nf4 or fp4)");
            int blockSize = Int(w, r, "blocksize");
            if (blockSize < 32 || blockSize > 4096 || (blockSize & (blockSize - 1)) != 0)
                throw new QuantizationFormatException(w, "blocksize", $"{blockSize} is not a power of two from 32 to 4096");
            string dtype = String(w, r, "dtype");
            if (dtype is not ("float32" or "bfloat16" or "float16"))
                throw new QuantizationFormatException(w, "dtype", $"'{dtype}' is not float32, bfloat16 or float16");

            if (!r.TryGetProperty("shape", out JsonElement shape) || shape.ValueKind != JsonValueKind.Array || shape.GetArrayLength() != 2
                || !shape[0].TryGetInt32(out int rows) || !shape[1].TryGetInt32(out int cols) || rows <= 0 || cols <= 0
                || (long)rows * cols > int.MaxValue)
                throw new QuantizationFormatException(w, "shape", "must be [rows, cols] of positive integers with rows*cols < 2^31");

            bool nested = r.TryGetProperty("nested_offset", out _) || r.TryGetProperty("nested_blocksize", out _);
            int nestedBlock = QuantizedTensor4Bit.DefaultNestedBlockSize;
            float offset = 0f;
            if (nested)
            {
                nestedBlock = Int(w, r, "nested_blocksize");
                if (nestedBlock <= 0)
                    throw new QuantizationFormatException(w, "nested_blocksize", $"{nestedBlock} must be positive");
                string nestedDtype = String(w, r, "nested_dtype");
                if (nestedDtype != "float32")
                    throw new QuantizationFormatException(w, "nested_dtype", $"'{nestedDtype}' is not float32");
                if (!r.TryGetProperty("nested_offset", out JsonElement off) || off.ValueKind != JsonValueKind.Number || !off.TryGetDouble(out double o) || !double.IsFinite(o))
                    throw new QuantizationFormatException(w, "nested_offset", "must be a finite number");
                offset = (float)o;
            }
            return new State(type, blockSize, dtype, rows, cols, nested, nestedBlock, offset);
        }
    }

    private static string String(string w, JsonElement r, string field)
    {
        if (!r.TryGetProperty(field, out JsonElement el) || el.ValueKind != JsonValueKind.String)
            throw new QuantizationFormatException(w, field, "is missing or not a string");
        return el.GetString()!;
    }

    private static int Int(string w, JsonElement r, string field)
    {
        if (!r.TryGetProperty(field, out JsonElement el) || el.ValueKind != JsonValueKind.Number || !el.TryGetInt32(out int v))
            throw new QuantizationFormatException(w, field, "is missing or not an integer");
        return v;
    }

    private static TensorEntry Entry(SafetensorsCheckpoint ck, string w, string name, string field, SafetensorsDType dtype)
    {
        if (!ck.TryGetEntry(name, out TensorEntry e))
            throw new QuantizationFormatException(w, field, $"missing companion tensor '{name}'");
        if (e.DType != dtype)
            throw new QuantizationFormatException(w, field, $"'{name}' is {e.DType.ToHeaderName()}, expected {dtype.ToHeaderName()}");
        return e;
    }

    private static byte[] ReadU8(SafetensorsCheckpoint ck, string w, string name, string field, long expected)
    {
        TensorEntry e = Entry(ck, w, name, field, SafetensorsDType.U8);
        if (e.ElementCount != expected)
            throw new QuantizationFormatException(w, field, $"'{name}' holds {e.ElementCount} bytes but the shape needs {expected}");
        // pread, not a copy out of the mapping: the packed weight is most of a 4-bit checkpoint,
        // and touched mapped pages would double the resident memory while loading.
        var bytes = new byte[expected];
        TensorFileReader.ReadAll(ck, name, bytes);
        return bytes;
    }

    private static float[] ReadF32(SafetensorsCheckpoint ck, string w, string name, string field, long expected)
    {
        TensorEntry e = Entry(ck, w, name, field, SafetensorsDType.F32);
        if (e.ElementCount != expected)
            throw new QuantizationFormatException(w, field, $"'{name}' holds {e.ElementCount} values but the shape needs {expected}");
        var values = new float[expected];
        MemoryMarshal.Cast<byte, float>(ck.GetBytes(name)).CopyTo(values);
        return values;
    }

    /// <summary>The quant_state JSON byte for byte as Python's json.dumps writes it (", " and ": " separators).</summary>
    internal static byte[] QuantStateJson(QuantizedTensor4Bit q, string type, string dtype)
    {
        var sb = new StringBuilder(160);
        sb.Append("{\"quant_type\": \"").Append(type)
          .Append("\", \"blocksize\": ").Append(q.BlockSize.ToString(CultureInfo.InvariantCulture))
          .Append(", \"dtype\": \"").Append(dtype)
          .Append("\", \"shape\": [").Append(q.Rows.ToString(CultureInfo.InvariantCulture))
          .Append(", ").Append(q.Cols.ToString(CultureInfo.InvariantCulture)).Append(']');
        if (q.IsDoubleQuantized)
        {
            sb.Append(", \"nested_blocksize\": ").Append(q.NestedBlockSize.ToString(CultureInfo.InvariantCulture))
              .Append(", \"nested_dtype\": \"float32\", \"nested_offset\": ").Append(PythonFloatRepr(q.NestedOffset));
        }
        sb.Append('}');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>
    /// Python's repr of a float (the offset is a float32 widened to a double by .item()):
    /// shortest round-trip digits; fixed notation for decimal exponents -4..15 with at least
    /// one fractional digit ("0.5", "3.0"), otherwise "1.5e-05" / "1e+16".
    /// </summary>
    internal static string PythonFloatRepr(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsInfinity(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        // Shortest round-trip digits: "R" gives them, as "0.000123" or "1.23E-05"; normalize.
        string shortest = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        int e = shortest.IndexOf('E');
        string mant = e < 0 ? shortest : shortest[..e];
        int exp10 = e < 0 ? 0 : int.Parse(shortest[(e + 1)..], CultureInfo.InvariantCulture);
        int dot = mant.IndexOf('.');
        string intPart = dot < 0 ? mant : mant[..dot];
        string frac = dot < 0 ? "" : mant[(dot + 1)..];
        string all = (intPart + frac).TrimStart('0');
        int leadingZeros = (intPart + frac).Length - all.Length;
        // value = 0.all * 10^(intPart.Length - leadingZeros + exp10)
        int exp = intPart.Length - leadingZeros + exp10 - 1;
        string digits = all.TrimEnd('0');
        if (digits.Length == 0) digits = "0";

        var sb = new StringBuilder();
        if (d < 0) sb.Append('-');
        if (exp >= -4 && exp < 16)
        {
            if (exp >= 0)
            {
                string ip = digits.Length > exp + 1 ? digits[..(exp + 1)] : digits.PadRight(exp + 1, '0');
                string fp = digits.Length > exp + 1 ? digits[(exp + 1)..] : "0";
                sb.Append(ip).Append('.').Append(fp);
            }
            else
            {
                sb.Append("0.").Append('0', -exp - 1).Append(digits);
            }
        }
        else
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
