namespace ShawBot.Engine.Model;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using ShawBot.Engine.Kernels;

/// <summary>
/// Y (+)= X · Wᵀ and dX (+)= dY · W for a 4-bit W, dequantizing in registers or in L1-sized tiles,
/// never the whole matrix.
///   Decode (m = 1, Cols % 64 == 0): fused GEMV (<see cref="GemvPairs"/> where AVX512BW exists,
///   else Lanes/Chunks on AVX-512F or the AVX2 kernel), rows split over the workers in fixed ranges.
///   Otherwise: a kc × 32 panel of W (or of Wᵀ for the backward) is dequantized into the
///   <see cref="PackedMatrix"/> panel layout (forward panels gathered 32 rows × 8 columns at a time)
///   and fed to <see cref="MatMul.MicroKernel"/>; the two workers take fixed halves of the panels,
///   so results do not depend on thread timing.
/// One file per path, each with the x re-ordering its kernel needs: MatMul4Bit.Pairs/Lanes/Chunks/Avx2
/// (decode), MatMul4Bit.Panels (m ≥ 2 and the backward); the int8 fast path is MatMul4BitInt8.
/// </summary>
internal static unsafe partial class MatMul4Bit
{
    private const int NR = PackedMatrix.PanelWidth;
    private const int KC = MatMul.KC;
    private const int MR = MatMul.MR;

    // Per thread, grown on demand and then reused (allocation only when a larger m is first seen).
    [ThreadStatic] private static float* t_aPack;      // ceil(m/MR)·MR × KC packed A tiles
    [ThreadStatic] private static int t_aPackFloats;
    [ThreadStatic] private static float* t_panel;      // KC × 32 dequantized B panel
    [ThreadStatic] private static float* t_row;        // KC floats: one dequantized row slice
    [ThreadStatic] private static float* t_xPerm;      // Cols floats: x de-interleaved for the GEMV
    [ThreadStatic] private static int t_xPermFloats;

    private struct Args
    {
        public Weights4Bit W;
        public float* X; public int M; public int Ldx;
        public float* Y; public int Ldy;
        public bool Accumulate; public bool Transposed; public int Parts;
        public GemvPath Path;
        public PairsTuning Tuning;
    }

    /// <summary>Which kernel computes a single-row product (decode). Auto picks the fastest the CPU and shape allow.</summary>
    internal enum GemvPath { Auto, Pairs, Lanes, Chunks, Avx2, Panels }

    /// <summary>y [m, Rows] (+)= x [m, Cols] · Wᵀ.</summary>
    public static void Forward(in Weights4Bit w, float* x, int m, int ldx, float* y, int ldy, bool accumulate)
        => Forward(w, x, m, ldx, y, ldy, accumulate, GemvPath.Auto);

    /// <summary>Whether a kernel can run this weight here: Panels always; the others need whole 64-value chunks per row and AVX-512 (Pairs: AVX512BW, 64-blocks, rows of 128s) or, for Avx2, AVX2 + FMA.</summary>
    internal static bool Supports(in Weights4Bit w, GemvPath path) => path switch
    {
        GemvPath.Pairs => w.RowsAreWholeChunks && w.Cols % 128 == 0 && w.BlockShift == 6 && MatMul.UseAvx512 && Avx512BW.IsSupported
            && (!w.IsDoubleQuantized || w.NestedShift >= 1),
        GemvPath.Lanes => w.RowsAreWholeChunks && w.Cols % 128 == 0 && w.BlockShift == 6 && MatMul.UseAvx512,
        GemvPath.Chunks => w.RowsAreWholeChunks && MatMul.UseAvx512,
        GemvPath.Avx2 => w.RowsAreWholeChunks && MatMul.UseAvx2,
        _ => true,
    };

    /// <summary>As above with the m = 1 kernel chosen by the caller (tests and benchmarks compare them).</summary>
    internal static void Forward(in Weights4Bit w, float* x, int m, int ldx, float* y, int ldy, bool accumulate, GemvPath path, PairsTuning tuning = default)
    {
        if (m == 0) return;
        var args = new Args { W = w, X = x, M = m, Ldx = ldx, Y = y, Ldy = ldy, Accumulate = accumulate, Tuning = tuning };
        if (m == 1 && path == GemvPath.Auto)
            path = Supports(w, GemvPath.Pairs) ? GemvPath.Pairs : Supports(w, GemvPath.Lanes) ? GemvPath.Lanes
                : Supports(w, GemvPath.Chunks) ? GemvPath.Chunks : Supports(w, GemvPath.Avx2) ? GemvPath.Avx2 : GemvPath.Panels;
        if (m == 1 && path != GemvPath.Panels)
        {
            if (!Supports(w, path)) throw new ArgumentException($"the {path} GEMV kernel cannot run a [{w.Rows}, {w.Cols}] weight with block size {w.BlockSize} here", nameof(path));
            // xp holds x re-ordered once per call to match the order in which each kernel meets the codes.
            float* xp = XPermBuffer(w.Cols);
            switch (path)
            {
                case GemvPath.Pairs: PermuteForPairs(x, xp, w.Cols); break;
                case GemvPath.Lanes: PermuteForLanes(x, xp, w.Cols); break;
                case GemvPath.Avx2: PermuteForAvx2(x, xp, w.Cols); break;
                default: PermuteForChunks(x, xp, w.Cols); break;
            }
            args.X = xp;
            args.Parts = (long)w.Rows * w.Cols < 1 << 16 ? 1 : Math.Min(WorkerPool.Concurrency, w.Rows);
            args.Path = path;
            WorkerPool.Run(args.Parts, &GemvPart, Unsafe.AsPointer(ref args));
            return;
        }
        int panels = (w.Rows + NR - 1) / NR;
        args.Parts = (long)m * w.Rows * w.Cols < 1 << 18 ? 1 : Math.Min(WorkerPool.Concurrency, panels);
        WorkerPool.Run(args.Parts, &GemmPart, Unsafe.AsPointer(ref args));
    }

    /// <summary>dx [m, Cols] (+)= dy [m, Rows] · W: the contraction runs over W's rows.</summary>
    public static void BackwardInput(in Weights4Bit w, float* dy, int m, int lddy, float* dx, int lddx, bool accumulate)
    {
        if (m == 0) return;
        int panels = (w.Cols + NR - 1) / NR;
        var args = new Args { W = w, X = dy, M = m, Ldx = lddy, Y = dx, Ldy = lddx, Accumulate = accumulate, Transposed = true };
        args.Parts = (long)m * w.Rows * w.Cols < 1 << 18 ? 1 : Math.Min(WorkerPool.Concurrency, panels);
        WorkerPool.Run(args.Parts, &GemmPart, Unsafe.AsPointer(ref args));
    }

    /// <summary>Rows [r0, r1) of this part (fixed ranges) through the kernel the call chose.</summary>
    private static void GemvPart(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        int r0 = (int)((long)a.W.Rows * part / a.Parts), r1 = (int)((long)a.W.Rows * (part + 1) / a.Parts);
        switch (a.Path)
        {
            case GemvPath.Pairs: GemvPairs(a.W, a.X, r0, r1, a.Y, a.Accumulate, a.Tuning); break;
            case GemvPath.Lanes: GemvLanes(a.W, a.X, r0, r1, a.Y, a.Accumulate); break;
            case GemvPath.Avx2: GemvAvx2(a.W, a.X, r0, r1, a.Y, a.Accumulate); break;
            default: Gemv(a.W, a.X, r0, r1, a.Y, a.Accumulate); break;
        }
    }

    private static float* XPermBuffer(int floats) => Scratch.Grow(ref t_xPerm, ref t_xPermFloats, floats);
}
