namespace ShawBot.Engine.Training;

/// <summary>
/// An optimizer moment kept as bitsandbytes' 8-bit blockwise state: blocks of 256 values, each an
/// fp32 absmax and 256 one-byte codes into the dynamic map (signed for the first moment, unsigned
/// for the second), value = map[code] · absmax. Rounds to the nearest code.
/// </summary>
internal sealed class BlockwiseMoments : IMomentStore
{
    public const int BlockSize = 256;
    private readonly byte[] _codes;
    private readonly float[] _absmax;
    private readonly float[] _map;   // 256 sorted values in [-1, 1] (signed) or [0, 1] (unsigned)

    public BlockwiseMoments(int length, bool signed)
    {
        _codes = new byte[length];
        _absmax = new float[(length + BlockSize - 1) / BlockSize];
        _map = DynamicMap.Create(signed);
        // Code for 0 so a fresh state reads as zeros.
        byte zero = Nearest(0f);
        Array.Fill(_codes, zero);
    }

    public void Read(int start, Span<float> dst)
    {
        if (start % BlockSize != 0) throw new ArgumentException("reads must start on a block boundary", nameof(start));
        float a = _absmax[start / BlockSize];
        for (int i = 0; i < dst.Length; i++) dst[i] = _map[_codes[start + i]] * a;
    }

    public void Write(int start, ReadOnlySpan<float> src)
    {
        if (start % BlockSize != 0) throw new ArgumentException("writes must start on a block boundary", nameof(start));
        float a = 0f;
        foreach (float f in src) a = Math.Max(a, Math.Abs(f));
        _absmax[start / BlockSize] = a;
        float inv = a > 0 ? 1f / a : 0f;
        for (int i = 0; i < src.Length; i++) _codes[start + i] = Nearest(src[i] * inv);
    }

    private byte Nearest(float x)
    {
        int lo = 0, hi = _map.Length - 1;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) >> 1;
            if (_map[mid] <= x) lo = mid; else hi = mid;
        }
        return (byte)(x - _map[lo] <= _map[hi] - x ? lo : hi);
    }

    public void Save(BinaryWriter w)
    {
        w.Write(_codes);
        foreach (float f in _absmax) w.Write(f);
    }

    public void Load(BinaryReader r)
    {
        r.Read(_codes, 0, _codes.Length);
        for (int i = 0; i < _absmax.Length; i++) _absmax[i] = r.ReadSingle();
    }
}

/// <summary>
/// bitsandbytes' create_dynamic_map (max_exponent_bits 7, total_bits 8): a dynamic-exponent
/// code where each exponent level e spends its remaining bits on a linear fraction grid,
/// plus 0 and 1 — sorted ascending.
/// </summary>
internal static class DynamicMap
{
    public static float[] Create(bool signed, int maxExponentBits = 7, int totalBits = 8)
    {
        var data = new List<double>();
        int nonSignBits = totalBits - (signed ? 1 : 0);
        int additionalItems = (1 << (nonSignBits - maxExponentBits)) - 1;
        for (int i = 0; i < maxExponentBits; i++)
        {
            int fractionItems = signed
                ? (1 << (i + nonSignBits - maxExponentBits)) + 1
                : (1 << (i + nonSignBits - maxExponentBits + 1)) + 1;
            // boundaries = linspace(0.1, 1, fractionItems); means = (b[:-1] + b[1:]) / 2
            var boundaries = new double[fractionItems];
            for (int k = 0; k < fractionItems; k++) boundaries[k] = 0.1 + (1 - 0.1) * k / (fractionItems - 1);
            double scale = Math.Pow(10, -(maxExponentBits - 1) + i);
            for (int k = 0; k + 1 < fractionItems; k++)
            {
                double mean = (boundaries[k] + boundaries[k + 1]) / 2;
                data.Add(scale * mean);
                if (signed) data.Add(-scale * mean);
            }
        }
        if (additionalItems > 0)
        {
            var boundaries = new double[additionalItems + 1];
            for (int k = 0; k <= additionalItems; k++) boundaries[k] = 0.1 + 0.9 * k / additionalItems;
            double scale = Math.Pow(10, -(maxExponentBits - 1) + maxExponentBits - 1);
            for (int k = 0; k < additionalItems; k++)
            {
                double mean = (boundaries[k] + boundaries[k + 1]) / 2;
                data.Add(scale * mean);
                if (signed) data.Add(-scale * mean);
            }
        }
        data.Add(0); data.Add(1.0);
        while (data.Count < 256) data.Add(0);   // bitsandbytes pads with zeros to 256 entries
        var map = data.Select(d => (float)d).ToArray();
        Array.Sort(map);
        return map;
    }
}
