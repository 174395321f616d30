using System.Runtime.CompilerServices;

namespace ShawBot.Engine.Quantization;

/// <summary>
/// The code tables of bitsandbytes, value for value (fp32).
///
/// NF4: bitsandbytes.functional.get_4bit_type("nf4"), i.e. create_normal_map(0.9677083):
///   8 negative and 9 non-negative quantiles of N(0,1), divided by the largest. Index = nibble.
/// FP4: get_4bit_type("fp4"): bit pattern s e e m with bitsandbytes' bias, in bit-pattern
///   order {0, 0.0625, 8, 12, 4, 6, 2, 3, -0, -0.0625, -8, -12, -4, -6, -2, -3} / 12 (fp32 division).
/// Dynamic: create_dynamic_map(signed, max_exponent_bits = 7, total_bits = 8), 256 sorted
///   values; the signed map codes the double-quantized absmax, the unsigned one is for 8-bit
///   optimizer states.
/// </summary>
public static class QuantizationTables
{
    private static readonly float[] Nf4Values =
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    ];

    private static readonly float[] Fp4Values = BuildFp4();
    private static readonly float[] DynamicSigned = BuildDynamic(signed: true);
    private static readonly float[] DynamicUnsigned = BuildDynamic(signed: false);

    public static ReadOnlySpan<float> Nf4 => Nf4Values;
    public static ReadOnlySpan<float> Fp4 => Fp4Values;

    /// <summary>create_dynamic_map(signed=True): bitsandbytes' default 8-bit blockwise code.</summary>
    public static ReadOnlySpan<float> DynamicSignedMap => DynamicSigned;

    /// <summary>create_dynamic_map(signed=False).</summary>
    public static ReadOnlySpan<float> DynamicUnsignedMap => DynamicUnsigned;

    public static ReadOnlySpan<float> Code(QuantType4Bit type) => type == QuantType4Bit.Nf4 ? Nf4Values : Fp4Values;

    /// <summary>
    /// NF4 code of x in [-1, 1]: the decision tree of bitsandbytes' dQuantizeNF4. Each pivot is
    /// the midpoint of two neighbouring codes (written as fp32); the comparison is a strict '&gt;',
    /// so a value exactly on a midpoint takes the lower code. NaN falls to code 0 like the CUDA tree.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte QuantizeNf4(float x)
    {
        if (x > 0.03979014977812767f)
        {
            if (x > 0.3893125355243683f)
            {
                if (x > 0.6427869200706482f) return x > 0.8614784181118011f ? (byte)15 : (byte)14;
                return x > 0.5016634166240692f ? (byte)13 : (byte)12;
            }
            if (x > 0.2035212516784668f) return x > 0.2920137718319893f ? (byte)11 : (byte)10;
            return x > 0.1202552504837513f ? (byte)9 : (byte)8;
        }
        if (x > -0.33967943489551544f)
        {
            if (x > -0.13791173323988914f) return x > -0.045525018125772476f ? (byte)7 : (byte)6;
            return x > -0.23460740596055984f ? (byte)5 : (byte)4;
        }
        if (x > -0.6106329262256622f) return x > -0.4599952697753906f ? (byte)3 : (byte)2;
        return x > -0.8480964004993439f ? (byte)1 : (byte)0;
    }

    /// <summary>
    /// FP4 code of x in [-1, 1]: bitsandbytes' dQuantizeFP4. Sign bit 8 for x &lt; 0 (so -0 gets
    /// code 0), then a tree on |x| over midpoints of {0, 1/192, 1/6, 1/4, 1/3, 1/2, 2/3, 1}.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte QuantizeFp4(float x)
    {
        int sign = x < 0 ? 0b1000 : 0;
        x = MathF.Abs(x);
        int code;
        if (x > 0.29166667f)
        {
            if (x > 0.583333f) code = x > 0.8333333f ? 0b0011 : 0b0010;   // 1 : 2/3
            else code = x > 0.4166667f ? 0b0101 : 0b0100;                // 1/2 : 1/3
        }
        else if (x > 0.0859375f)
        {
            code = x > 0.20833333f ? 0b0111 : 0b0110;                    // 1/4 : 1/6
        }
        else
        {
            code = x > 0.00260417f ? 0b0001 : 0b0000;                    // 1/192 : 0
        }
        return (byte)(code + sign);
    }

    /// <summary>
    /// Nearest code of x in a sorted 256-entry map, as bitsandbytes' dQuantize&lt;0&gt; (the
    /// kQuantizeBlockwise General8bit path): a 7-step binary search from pivot 127 with
    /// strides 64..1, then a comparison with the midpoint to the neighbour on x's side
    /// (x above val: upper if x &gt; (upper+val)/2; x at or below: lower if x &lt; (lower+val)/2).
    /// </summary>
    public static byte QuantizeDynamic(ReadOnlySpan<float> code, float x)
    {
        int pivot = 127, upperPivot = 255, lowerPivot = 0;
        float lower = -1f, upper = 1f;
        float val = code[pivot];
        for (int stride = 64; stride > 0; stride >>= 1)
        {
            if (x > val)
            {
                lowerPivot = pivot;
                lower = val;
                pivot += stride;
            }
            else
            {
                upperPivot = pivot;
                upper = val;
                pivot -= stride;
            }
            val = code[pivot];
        }
        if (upperPivot == 255) upper = code[upperPivot];
        if (lowerPivot == 0) lower = code[lowerPivot];

        if (x > val)
        {
            float midpoint = (upper + val) * 0.5f;
            return (byte)(x > midpoint ? upperPivot : pivot);
        }
        else
        {
            float midpoint = (lower + val) * 0.5f;
            return (byte)(x < midpoint ? lowerPivot : pivot);
        }
    }

    /// <summary>Largest gap between neighbouring values of a code table (for error bounds).</summary>
    public static float WidestGap(ReadOnlySpan<float> code)
    {
        float[] sorted = code.ToArray();
        Array.Sort(sorted);
        float widest = 0;
        for (int i = 1; i < sorted.Length; i++) widest = MathF.Max(widest, sorted[i] - sorted[i - 1]);
        return widest;
    }

    private static float[] BuildFp4()
    {
        // bitsandbytes builds the list in bit-pattern order and divides by max |v| = 12 in fp32.
        float[] raw = [0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f, -0f, -0.0625f, -8f, -12f, -4f, -6f, -2f, -3f];
        var values = new float[16];
        for (int i = 0; i < 16; i++) values[i] = raw[i] / 12f;
        return values;
    }

    /// <summary>
    /// create_dynamic_map with max_exponent_bits 7, total_bits 8. For exponent i = 0..6:
    ///   n = 2^i + 1 (signed) or 2^(i+1) + 1 (unsigned) boundaries = linspace(0.1, 1, n) in fp32,
    ///   means[j] = (b[j] + b[j+1]) / 2 in fp32, values = fp32(10^(i-6)) * means (fp32 product),
    ///   and their negatives when signed. Then 0 and 1 are appended and the list sorted:
    ///   254 + 2 = 256 values. (additional_items = 2^(7-7) - 1 = 0, so no extra range.)
    /// </summary>
    private static float[] BuildDynamic(bool signed)
    {
        const int maxExponentBits = 7;
        ReadOnlySpan<double> powersOfTen = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0];
        var data = new List<float>(256);
        for (int i = 0; i < maxExponentBits; i++)
        {
            int fractionItems = signed ? (1 << i) + 1 : (1 << (i + 1)) + 1;
            float[] boundaries = TorchLinspace(0.1f, 1f, fractionItems);
            // 10 ** (-(7 - 1) + i) is a Python float; torch multiplies an fp32 tensor by it in fp32.
            float scale = (float)powersOfTen[i];
            for (int j = 0; j < fractionItems - 1; j++)
            {
                float mean = (boundaries[j] + boundaries[j + 1]) / 2f;
                data.Add(scale * mean);
            }
            if (signed)
            {
                float negScale = -scale;
                for (int j = 0; j < fractionItems - 1; j++)
                {
                    float mean = (boundaries[j] + boundaries[j + 1]) / 2f;
                    data.Add(negScale * mean);
                }
            }
        }
        data.Add(0f);
        data.Add(1f);
        while (data.Count < 256) data.Add(0f);
        float[] result = data.ToArray();
        Array.Sort(result);
        return result;
    }

    /// <summary>
    /// torch.linspace(start, end, steps, dtype=float32) on the CPU: step = (end - start) / (steps - 1)
    /// in fp32; the first half counts up from start (start + step * i), the second half counts
    /// down from end (end - step * (steps - 1 - i)), so both endpoints are exact. This is the
    /// scalar loop of current PyTorch (RangeFactoriesKernel.cpp dropped its vectorized linspace
    /// for precision); older releases' Vectorized::arange path differed by 1 ulp for steps &gt;= 17,
    /// which is why checkpoints store nested_quant_map and the loader uses the stored one.
    /// </summary>
    internal static float[] TorchLinspace(float start, float end, int steps)
    {
        var r = new float[steps];
        if (steps == 1)
        {
            r[0] = start;
            return r;
        }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++)
            r[i] = i < halfway ? start + step * i : end - step * (steps - i - 1);
        return r;
    }
}
