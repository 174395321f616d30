using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Training;

/// <summary>
/// Final norm, LM head and cross-entropy over the rows that carry a target, HeadRows of them at a
/// time: no [N, V] logits buffer exists (a 7B vocabulary of 32000 over 932 rows would be 119 MB,
/// and its gradient as much again). Rows without a target (the prefix, prompt rows, the last row
/// of each example) take no part: their logits would be discarded and their gradient is zero.
/// Every op here is row-wise, and the loss is summed row by row in the rows' order, so chunking
/// gives the values one pass over the loss rows gives.
/// </summary>
public sealed partial class TrainingGraph
{
    /// <summary>Loss rows per head chunk: (64, V) logits, 8 MB for V = 32000.</summary>
    public const int HeadRows = 64;

    private readonly float[] _logits;                             // (HeadRows, V): one chunk's logits, then its dlogits
    private readonly float[] _headX, _headH, _headDh, _headDx;     // (HeadRows, C): gathered last outputs, normed, and their gradients
    private readonly float[] _headRstd;                            // (HeadRows)
    private readonly int[] _headTargets;                           // (HeadRows)
    private readonly int[] _lossRows;                              // (N): rows with a target, ascending

    /// <summary>
    /// Loss sum and count over the rows' targets. With backward, _dx = d (mean loss · gradScale) / d (last
    /// layer's output): per loss row, dlogits = (softmax − onehot) · gradScale / count → dh = dlogits W_lm →
    /// RMSNorm' → dx; zero on every other row.
    /// </summary>
    private (double Sum, int Count) Head(int n, bool backward, float gradScale)
    {
        int c = _c.HiddenSize, v = _c.VocabSize;
        float eps = (float)_c.RmsNormEps;
        float[] xLast = _xs[_c.NumLayers];
        int count = CrossEntropy.Count(_targets.AsSpan(_prefix, n - _prefix), v);
        int k = 0;
        for (int r = _prefix; r < n; r++)
            if (_targets[r] != CrossEntropy.IgnoreIndex) _lossRows[k++] = r;
        if (backward) Array.Clear(_dx, 0, n * c);
        float scale = count == 0 ? 0f : gradScale / count;
        double sum = 0;
        var fg = FullGradients;
        int chunks = (k + HeadRows - 1) / HeadRows;
        for (int i = 0; i < chunks; i++)
        {
            var (i0, rows) = Chunk(k, chunks, i);
            for (int j = 0; j < rows; j++)
            {
                int r = _lossRows[i0 + j];
                xLast.AsSpan(r * c, c).CopyTo(_headX.AsSpan(j * c));
                _headTargets[j] = _targets[r];
            }
            RmsNorm.Forward(_headX.AsSpan(0, rows * c), _model.FinalNorm, _headH, _headRstd, rows, c, eps);
            _model.LmHead.Forward(_headH, rows, c, _logits, v, false);
            sum = CrossEntropy.AccumulateRows(_logits.AsSpan(0, rows * v), _headTargets.AsSpan(0, rows), v, backward ? _logits : default, scale, sum);
            if (!backward) continue;
            _model.LmHead.BackwardInput(_logits, rows, v, _headDh, c, false);
            fg?.AccumulateHead(_logits, _headH, rows);
            Array.Clear(_headDx, 0, rows * c);
            RmsNorm.Backward(_headDh, _headX, _model.FinalNorm, _headRstd, _headDx, fg is null ? default : fg.FinalNorm, _normScratch, rows, c);
            for (int j = 0; j < rows; j++)
                _headDx.AsSpan(j * c, c).CopyTo(_dx.AsSpan(_lossRows[i0 + j] * c));
        }
        return (sum, count);
    }
}
