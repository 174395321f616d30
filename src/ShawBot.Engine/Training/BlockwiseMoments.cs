using ShawBot.Engine.Quantization;

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
        _map = (signed ? QuantizationTables.DynamicSignedMap : QuantizationTables.DynamicUnsignedMap).ToArray();
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
