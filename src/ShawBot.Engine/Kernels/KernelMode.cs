namespace ShawBot.Engine.Kernels;

/// <summary>
/// Which kernels run the 4-bit linears at inference (ShawBot:Engine:Kernels, --kernels).
///   Exact  dequantize to fp32 in registers: the products bitsandbytes computes, summed in another order
///          (training, eval by default and every golden test).
///   Fast   activations quantized to int8 per 64-block and integer dot products against an int8 codebook
///          (<see cref="MatMul4BitInt8"/>): each output off by the int8 rounding of x and of the codes
///          (~0.4 % of a block's absmax per value) and BF16 block scales. Weights whose shape has no
///          int8 kernel (block size ≠ 64, rows not a multiple of 128 values) still run exact.
/// </summary>
public enum KernelMode { Exact, Fast }

/// <summary>Parsing of the option's text (one place for the service and the commands).</summary>
public static class KernelModes
{
    public static KernelMode Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "exact" => KernelMode.Exact,
        "fast" => KernelMode.Fast,
        _ => throw new ArgumentException($"kernels must be 'fast' or 'exact', got '{text}'", nameof(text)),
    };

    public static string Name(this KernelMode mode) => mode == KernelMode.Fast ? "fast" : "exact";
}
