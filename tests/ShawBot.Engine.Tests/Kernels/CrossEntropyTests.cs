using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Tests.Kernels;

/// <summary>Cross-entropy fed in row chunks (as the training graph's head does) against one call; SwiGLU's backward in place.</summary>
public class CrossEntropyTests
{
    private static float[] Random(int n, int seed, float scale)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
    }

    [Fact]
    public void RowChunksGiveTheSumAndGradientOfOneCall()
    {
        const int n = 37, v = 29;
        var logits = Random(n * v, 1, 6f);
        var targets = Enumerable.Range(0, n).Select(i => i % 5 == 0 ? CrossEntropy.IgnoreIndex : (i * 7) % v).ToArray();
        var whole = new float[n * v];
        var (sum, count) = CrossEntropy.Forward(logits, targets, v, whole, gradScale: 0.5f);
        Assert.Equal(29, count);
        Assert.Equal(count, CrossEntropy.Count(targets, v));

        var chunked = new float[n * v];
        float k = 0.5f / count;
        double chunkSum = 0;
        foreach (var (start, rows) in new[] { (0, 8), (8, 1), (9, 20), (29, 8) })
            chunkSum = CrossEntropy.AccumulateRows(logits.AsSpan(start * v, rows * v), targets.AsSpan(start, rows), v, chunked.AsSpan(start * v, rows * v), k, chunkSum);
        Assert.Equal(sum, chunkSum);
        Assert.Equal(whole, chunked);
        // Ignored rows get a zero gradient; a loss row's gradient sums to 0 (softmax − onehot).
        Assert.All(whole.AsSpan(0, v).ToArray(), g => Assert.Equal(0f, g));
        Assert.Equal(0.0, whole.AsSpan(v, v).ToArray().Sum(g => (double)g), 1e-6);
        // Without a gradient buffer the sum is the same.
        Assert.Equal(sum, CrossEntropy.AccumulateRows(logits, targets, v, default, k, 0));
    }

    [Fact]
    public void BadTargetsAndShortBuffersThrow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropy.Count([1, 9], 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropy.Count([-1], 9));
        Assert.Throws<ArgumentException>(() => CrossEntropy.AccumulateRows(new float[17], [1, 2], 9, default, 1f, 0));
        Assert.Throws<ArgumentException>(() => CrossEntropy.AccumulateRows(new float[18], [1, 2], 9, new float[9], 1f, 0));
    }

    [Fact]
    public void SwiGluBackwardInPlaceEqualsOutOfPlace()
    {
        const int n = 203;
        var dm = Random(n, 2, 1f); var gate = Random(n, 3, 4f); var up = Random(n, 4, 2f);
        var dg = new float[n]; var du = new float[n];
        SwiGlu.Backward(dm, gate, up, dg, du);
        var g2 = (float[])gate.Clone(); var u2 = (float[])up.Clone();
        SwiGlu.Backward(dm, g2, u2, g2, u2);
        Assert.Equal(dg, g2);
        Assert.Equal(du, u2);
        Assert.Throws<ArgumentException>(() => SwiGlu.Backward(dm, gate, up.AsSpan(1), dg, du));
    }
}
