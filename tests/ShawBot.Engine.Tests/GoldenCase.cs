using ShawBot.Engine.IO;

namespace ShawBot.Engine.Tests;

/// <summary>One golden folder's cases.safetensors, read into arrays.</summary>
internal sealed class GoldenCase
{
    public required string Folder { get; init; }
    public required int B { get; init; }
    public required int T { get; init; }
    public required int V { get; init; }
    public required long[] InputIds { get; init; }
    public required long[] Labels { get; init; }
    private readonly Dictionary<string, float[]> _floats = new();
    private string _cases = "";

    public static GoldenCase Load(string name)
    {
        string folder = TestPaths.GoldenModel(name);
        string cases = Path.Combine(folder, "cases.safetensors");
        using var f = SafetensorsFile.Open(cases);
        var ids = f.GetEntry("input_ids");
        var logits = f.GetEntry("logits_base");
        var input = new long[ids.ElementCount]; f.ReadInt64("input_ids", input);
        var labels = new long[ids.ElementCount]; f.ReadInt64("labels", labels);
        return new GoldenCase
        {
            Folder = folder, B = (int)ids.Shape[0], T = (int)ids.Shape[1], V = (int)logits.Shape[2],
            InputIds = input, Labels = labels, _cases = cases,
        };
    }

    public float[] Floats(string name)
    {
        if (_floats.TryGetValue(name, out var v)) return v;
        using var f = SafetensorsFile.Open(_cases);
        var e = f.GetEntry(name);
        v = new float[e.ElementCount];
        f.ReadFloat32(name, v);
        return _floats[name] = v;
    }

    public long[] Longs(string name, out long[] shape)
    {
        using var f = SafetensorsFile.Open(_cases);
        var e = f.GetEntry(name);
        shape = e.Shape;
        var v = new long[e.ElementCount];
        f.ReadInt64(name, v);
        return v;
    }

    public int[] Sequence(int b) => InputIds.Skip(b * T).Take(T).Select(x => (int)x).ToArray();
}

internal static class Assertions
{
    /// <summary>Max |a − e| over the arrays, with the index of the worst element in the failure message.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double absTol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0; int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)expected[i] - actual[i]);
            if (double.IsNaN(d)) { worst = double.PositiveInfinity; at = i; break; }
            if (d > worst) { worst = d; at = i; }
        }
        Assert.True(worst <= absTol, $"{what}: max |error| {worst:E3} at {at} (expected {(at >= 0 ? expected[at] : 0)}, got {(at >= 0 ? actual[at] : 0)}) exceeds {absTol:E1}");
    }

    /// <summary>Max |a − e| relative to max |e| (the golden README's gradient tolerance).</summary>
    public static void CloseRelative(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relTol, string what)
    {
        double scale = 0;
        foreach (float e in expected) scale = Math.Max(scale, Math.Abs(e));
        Close(expected, actual, relTol * Math.Max(scale, 1e-30), what + $" (scale {scale:E2})");
    }
}
