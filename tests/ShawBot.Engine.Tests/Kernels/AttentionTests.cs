using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Tests.Kernels;

public class AttentionTests
{
    [Theory]
    [InlineData(1, 0, 4, 2, 16)]
    [InlineData(7, 0, 4, 4, 8)]
    [InlineData(5, 9, 8, 2, 16)]     // decoding after a cached prefix, GQA 4:1
    [InlineData(33, 3, 32, 8, 128)]  // Mistral's head layout, both threads
    [InlineData(1, 700, 32, 8, 128)] // a decode step 700 positions in (head size 128: keys four at a time)
    [InlineData(2, 5, 32, 8, 128)]   // 6 and 7 visible keys: the four-at-a-time loop and its tail
    public void AgreesWithReference(int t, int pos0, int nh, int nkv, int hs)
    {
        int l = pos0 + t, ldq = nh * hs, ldkv = nkv * hs;
        float[] q = MatMulTests.Random(t * ldq, 1), k = MatMulTests.Random(l * ldkv, 2), v = MatMulTests.Random(l * ldkv, 3);
        var s = new Attention.Shape(t, pos0, nh, nkv, hs, ldq, ldkv, ldq);
        var expected = new float[t * ldq];
        Attention.Reference(q, k, v, expected, s);
        var o = new float[t * ldq];
        var probs = new float[nh * t * l];
        Attention.Forward(q, k, v, o, probs, s);
        Assertions.Close(expected, o, 2e-6, "attention output");
        for (int h = 0; h < nh; h++)
            for (int i = 0; i < t; i++)
            {
                var row = probs.AsSpan((h * t + i) * l, l);
                double sum = 0; foreach (float p in row) sum += p;
                Assert.InRange(sum, 1 - 1e-5, 1 + 1e-5);
                for (int j = pos0 + i + 1; j < l; j++) Assert.Equal(0f, row[j]);   // causal
            }
    }

    [Fact]
    public void RejectsBadShapes()
    {
        Assert.Throws<ArgumentException>(() => Attention.Forward(new float[16], new float[16], new float[16], new float[16], default,
            new Attention.Shape(1, 0, 3, 2, 16, 48, 32, 48)));   // 3 heads cannot share 2 kv heads
        Assert.Throws<ArgumentException>(() => Attention.Forward(new float[8], new float[16], new float[16], new float[16], default,
            new Attention.Shape(1, 0, 1, 1, 16, 16, 16, 16)));   // q too short
    }
}

/// <summary>The GEMM-based whole-sequence path (T ≥ 32) against the loop kernels and the reference.</summary>
public class BlockedAttentionTests
{
    [Theory]
    [InlineData(32, 4, 2, 16)]
    [InlineData(45, 4, 4, 8)]
    [InlineData(70, 12, 4, 32)]
    public void ForwardAndBackwardAgreeWithTheLoopKernels(int t, int nh, int nkv, int hs)
    {
        int ldq = nh * hs, ldkv = nkv * hs;
        float[] q = MatMulTests.Random(t * ldq, 1), k = MatMulTests.Random(t * ldkv, 2), v = MatMulTests.Random(t * ldkv, 3), dout = MatMulTests.Random(t * ldq, 4);
        var s = new Attention.Shape(t, 0, nh, nkv, hs, ldq, ldkv, ldq);
        var expected = new float[t * ldq];
        Attention.Reference(q, k, v, expected, s);
        var o = new float[t * ldq]; var probs = new float[nh * t * t];
        Attention.Forward(q, k, v, o, probs, s);                    // blocked (probs requested, T ≥ 32)
        Assertions.Close(expected, o, 2e-6, "blocked attention output");

        var dq1 = new float[t * ldq]; var dk1 = new float[t * ldkv]; var dv1 = new float[t * ldkv];
        AttentionGrad.Backward(q, k, v, probs, dout, dq1, dk1, dv1, s);
        var dq2 = new float[t * ldq]; var dk2 = new float[t * ldkv]; var dv2 = new float[t * ldkv];
        AttentionGrad.ForceLoops = true;
        try { AttentionGrad.Backward(q, k, v, probs, dout, dq2, dk2, dv2, s); }
        finally { AttentionGrad.ForceLoops = false; }
        Assertions.CloseRelative(dq2, dq1, 1e-5, "dq");
        Assertions.CloseRelative(dk2, dk1, 1e-5, "dk");
        Assertions.CloseRelative(dv2, dv1, 1e-5, "dv");
    }
}
