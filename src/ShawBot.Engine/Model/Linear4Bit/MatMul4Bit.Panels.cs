namespace ShawBot.Engine.Model;

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ShawBot.Engine.Kernels;

/// <summary>m ≥ 2 and the backward: W (or Wᵀ) dequantized panel by panel into the fp32 micro-kernel's layout; and the scalar reference value.</summary>
internal static unsafe partial class MatMul4Bit
{
    private static void GemmPart(int part, void* state)
    {
        ref Args a = ref Unsafe.AsRef<Args>(state);
        int n = a.Transposed ? a.W.Cols : a.W.Rows;
        int panels = (n + NR - 1) / NR;
        int p0 = (int)((long)panels * part / a.Parts), p1 = (int)((long)panels * (part + 1) / a.Parts);
        Gemm(a.W, a.Transposed, a.X, a.M, a.Ldx, p0, p1, a.Y, a.Ldy, a.Accumulate);
    }

    /// <summary>
    /// Output panels [p0, p1) of C [m, N] (+)= A [m, K] · B [K, N], with B = Wᵀ (forward: K = Cols,
    /// N = Rows) or B = W (transposed: K = Rows, N = Cols). Per K slice of KC: A is packed once
    /// into MR-row tiles, then each 32-wide B panel is dequantized once (KC × 32 floats, 32 KB, stays
    /// in L1/L2) and every A tile runs the 6 × 32 micro-kernel on it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm(in Weights4Bit w, bool transposed, float* a, int m, int lda, int p0, int p1, float* c, int ldc, bool accumulate)
    {
        int k = transposed ? w.Rows : w.Cols, n = transposed ? w.Cols : w.Rows;
        int tiles = (m + MR - 1) / MR;
        float* aPack = APackBuffer(tiles * MR * KC);
        EnsurePanelBuffers();
        float* panel = t_panel, row = t_row;
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            bool acc = accumulate || pc > 0;
            MatMul.PackA(a + pc, lda, m, kc, aPack);
            for (int p = p0; p < p1; p++)
            {
                int col = p * NR, cols = Math.Min(NR, n - col);
                // Columns ≥ cols of a ragged last panel are left as they are: the micro-kernel's
                // output columns are independent and it stores only the first cols.
                if (transposed) FillPanelOfW(w, pc, kc, col, cols, panel);
                else FillPanelOfWt(w, pc, kc, col, cols, panel, row);
                for (int ir = 0; ir < m; ir += MR)
                    MatMul.MicroKernel(aPack + (nint)ir * kc, panel, kc, c + (nint)ir * ldc + col, ldc, Math.Min(MR, m - ir), cols, acc);
            }
        }
    }

    /// <summary>Forward panel: panel[kk·32 + j] = W[col + j, pc + kk] (a transpose: rows of W become panel columns).</summary>
    private static void FillPanelOfWt(in Weights4Bit w, int pc, int kc, int col, int cols, float* panel, float* row)
    {
        if (cols == NR && kc % 8 == 0 && pc % 8 == 0 && w.Cols % 8 == 0 && w.BlockShift >= 3 && MatMul.UseAvx512)
        {
            FillPanelOfWtAvx512(w, pc, kc, col, panel);
            return;
        }
        for (int j = 0; j < cols; j++)
        {
            DequantizeRange(w, (long)(col + j) * w.Cols + pc, kc, row);
            float* dst = panel + j;
            for (int kk = 0; kk < kc; kk++) dst[kk * NR] = row[kk];
        }
    }

    /// <summary>
    /// The forward panel without a scalar transpose: per 8 columns of W, one gather per 8 rows
    /// fetches each row's 4 bytes (8 codes), and each of the 8 shifts, looked up in the table and
    /// scaled, is one 16-wide row of the panel. Scales are decoded per row when a block starts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillPanelOfWtAvx512(in Weights4Bit w, int pc, int kc, int col, float* panel)
    {
        long k = w.Cols;
        int rowBytes = (int)(k >> 1), shift = w.BlockShift;
        var table = Vector512.Load(w.Table);
        var rows = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * rowBytes;   // AVX2 gathers: .NET has no 512-bit ones
        float* scale = stackalloc float[NR];
        // Rows whose length is a multiple of the block size all change block on the same columns.
        int refresh = (k & (w.BlockSize - 1)) == 0 ? w.BlockSize : 8;
        Vector512<float> s0 = default, s1 = default;
        for (int kk = 0; kk < kc; kk += 8)
        {
            int c = pc + kk;
            if (kk == 0 || c % refresh == 0)
            {
                for (int j = 0; j < NR; j++) scale[j] = w.Scale(((col + j) * k + c) >> shift);
                s0 = Vector512.Load(scale);
                s1 = Vector512.Load(scale + 16);
            }
            byte* b0 = w.Packed + (((long)col * k + c) >> 1);
            var g0 = Vector512.Create(Avx2.GatherVector256((int*)b0, rows, 1), Avx2.GatherVector256((int*)(b0 + 8L * rowBytes), rows, 1));
            var g1 = Vector512.Create(Avx2.GatherVector256((int*)(b0 + 16L * rowBytes), rows, 1), Avx2.GatherVector256((int*)(b0 + 24L * rowBytes), rows, 1));
            float* dst = panel + kk * NR;
            // Value 8g + t of a little-endian group sits at shift 4, 0, 12, 8, 20, 16, 28, 24 (t = 0 … 7).
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 4), Avx512F.ShiftRightLogical(g1, 4), dst);
            PanelRow(table, s0, s1, g0, g1, dst + NR);
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 12), Avx512F.ShiftRightLogical(g1, 12), dst + 2 * NR);
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 8), Avx512F.ShiftRightLogical(g1, 8), dst + 3 * NR);
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 20), Avx512F.ShiftRightLogical(g1, 20), dst + 4 * NR);
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 16), Avx512F.ShiftRightLogical(g1, 16), dst + 5 * NR);
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 28), Avx512F.ShiftRightLogical(g1, 28), dst + 6 * NR);
            PanelRow(table, s0, s1, Avx512F.ShiftRightLogical(g0, 24), Avx512F.ShiftRightLogical(g1, 24), dst + 7 * NR);
        }
    }

    /// <summary>One panel row: 32 codes (low 4 bits of each lane) → table → times the rows' scales.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PanelRow(Vector512<float> table, Vector512<float> s0, Vector512<float> s1, Vector512<int> i0, Vector512<int> i1, float* d)
    {
        (Avx512F.PermuteVar16x32(table, i0) * s0).Store(d);
        (Avx512F.PermuteVar16x32(table, i1) * s1).Store(d + 16);
    }

    /// <summary>Backward panel: panel[kk·32 + j] = W[pc + kk, col + j]: 32 consecutive values of a row (half a 64-block).</summary>
    private static void FillPanelOfW(in Weights4Bit w, int pc, int kc, int col, int cols, float* panel)
    {
        for (int kk = 0; kk < kc; kk++)
            DequantizeRange(w, (long)(pc + kk) * w.Cols + col, cols, panel + kk * NR);
    }

    private static readonly Vector512<int> PairIndex = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    private static readonly Vector512<uint> PairShift = Vector512.Create(4u, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0);

    /// <summary>
    /// dst[0..count) = flat values [start, start + count) of W. Runs of 16 that start on an even
    /// index inside one block go through AVX-512 (8 bytes → each byte twice → >> (4, 0) → table),
    /// the rest (odd starts, runs crossing a block edge, tails) value by value.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DequantizeRange(in Weights4Bit w, long start, int count, float* dst)
    {
        int mask = w.BlockSize - 1, shift = w.BlockShift;
        if (MatMul.UseAvx512)
        {
            var table = Vector512.Load(w.Table);
            while (count >= 16)
            {
                if ((start & 1) != 0 || (int)(start & mask) + 16 > w.BlockSize)
                {
                    *dst++ = Value(w, start++); count--;
                    continue;
                }
                var bytes = Avx512F.ConvertToVector512Int32(Vector128.CreateScalar(*(ulong*)(w.Packed + (start >> 1))).AsByte());
                var nibbles = Avx512F.ShiftRightLogicalVariable(Avx512F.PermuteVar16x32(bytes, PairIndex).AsUInt32(), PairShift).AsInt32();
                (Avx512F.PermuteVar16x32(table, nibbles) * Vector512.Create(w.Scale(start >> shift))).Store(dst);
                dst += 16; start += 16; count -= 16;
            }
        }
        else if (MatMul.UseAvx2)
        {
            var lo = Vector256.Load(w.Table);
            var hi = Vector256.Load(w.Table + 8);
            var pairs = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
            var shifts = Vector256.Create(4u, 0, 4, 0, 4, 0, 4, 0);
            while (count >= 8)
            {
                if ((start & 1) != 0 || (int)(start & mask) + 8 > w.BlockSize)
                {
                    *dst++ = Value(w, start++); count--;
                    continue;
                }
                // 4 bytes, each twice, shifted (4, 0): the low 4 bits of lane j are nibble j.
                var bytes = Avx2.ConvertToVector256Int32(Vector128.CreateScalar(*(uint*)(w.Packed + (start >> 1))).AsByte());
                var nibbles = Avx2.ShiftRightLogicalVariable(Avx2.PermuteVar8x32(bytes, pairs).AsUInt32(), shifts).AsInt32();
                (Lookup(lo, hi, nibbles, Avx2.ShiftLeftLogical(nibbles, 28)) * Vector256.Create(w.Scale(start >> shift))).Store(dst);
                dst += 8; start += 8; count -= 8;
            }
        }
        for (int i = 0; i < count; i++) dst[i] = Value(w, start + i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Value(in Weights4Bit w, long i)
    {
        byte b = w.Packed[i >> 1];
        int nibble = (i & 1) == 0 ? b >> 4 : b & 15;
        return w.Table[nibble] * w.Scale(i >> w.BlockShift);
    }

    private static float* APackBuffer(int floats) => Scratch.Grow(ref t_aPack, ref t_aPackFloats, floats);

    private static void EnsurePanelBuffers()
    {
        if (t_panel != null) return;
        t_panel = (float*)NativeMemory.AlignedAlloc((nuint)(KC * NR * sizeof(float)), 64);
        NativeMemory.Clear(t_panel, (nuint)(KC * NR * sizeof(float)));   // unused ragged columns stay finite
        t_row = (float*)NativeMemory.AlignedAlloc((nuint)(KC * sizeof(float)), 64);
    }
}
