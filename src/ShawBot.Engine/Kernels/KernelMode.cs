using System.Runtime.Intrinsics.X86;

namespace ShawBot.Engine.Kernels;

/// <summary>
/// Which kernels run the 4-bit linears at inference (ShawBot:Engine:Kernels, --kernels).
///   Exact  dequantize to fp32 in registers: the products bitsandbytes computes, summed in another order
///          (training, eval by default and every golden test).
///   Fast   activations quantized to int8 per 64-block and integer dot products against an int8 codebook
///          (<see cref="MatMul4BitInt8"/>): each output off by the int8 rounding of x and of the codes
///          (~0.4 % of a block's absmax per value) and BF16 block scales. Weights whose shape has no
///          int8 kernel (block size ≠ 64, rows not a multiple of 128 values) still run exact.
/// The option's text may also say "auto" (<see cref="KernelModes.Auto"/>): fast where the CPU has its instructions.
/// </summary>
public enum KernelMode { Exact, Fast }

/// <summary>Parsing of the option's text (one place for the service and the commands).</summary>
public static class KernelModes
{
    /// <summary>The option's values; "auto" is the service's and generate's default.</summary>
    public static readonly string[] Names = ["auto", "fast", "exact"];

    public static KernelMode Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "auto" => Auto,
        "exact" => KernelMode.Exact,
        "fast" => KernelMode.Fast,
        _ => throw new ArgumentException($"kernels must be 'auto', 'fast' or 'exact', got '{text}'", nameof(text)),
    };

    /// <summary>
    /// Fast where this CPU has the int8 prefill GEMM's instructions (<see cref="HasInt8GemmInstructions"/>), else exact. On 32 Mistral-7B-shaped NF4 + double-quant layers here (AVX-512 +
    /// AVX-VNNI, 2 cores) fast decodes ≈ 9 tokens/s against exact's ≈ 7 and prefills ≈ 38 against ≈ 20. Without
    /// VNNI the int8 prefill runs row by row, slower than exact (55 against 155 GMAC/s at m = 128, AVX2 kernel).
    /// </summary>
    public static KernelMode Auto => HasInt8GemmInstructions ? KernelMode.Fast : KernelMode.Exact;

    /// <summary>What the int8 prefill GEMM (Model/Linear4Bit/MatMul4BitInt8Gemm) needs: AVX-VNNI, AVX2 and FMA.</summary>
    public static bool HasInt8GemmInstructions => AvxVnni.IsSupported && Avx2.IsSupported && Fma.IsSupported;

    public static string Name(this KernelMode mode) => mode == KernelMode.Fast ? "fast" : "exact";
}
