namespace ShawBot.Engine.Quantization;

/// <summary>The two bitsandbytes 4-bit data types.</summary>
public enum QuantType4Bit
{
    /// <summary>NormalFloat4: 16 quantiles of N(0, 1) scaled to [-1, 1] (QLoRA).</summary>
    Nf4,

    /// <summary>FP4 e2m1 with bitsandbytes' bias, scaled so the largest value is 1.</summary>
    Fp4,
}

public static class QuantType4BitExtensions
{
    /// <summary>The name bitsandbytes uses ("nf4" / "fp4").</summary>
    public static string ToBnbName(this QuantType4Bit t) => t switch
    {
        QuantType4Bit.Nf4 => "nf4",
        QuantType4Bit.Fp4 => "fp4",
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, null),
    };

    public static bool TryParseBnbName(string? name, out QuantType4Bit t)
    {
        switch (name)
        {
            case "nf4": t = QuantType4Bit.Nf4; return true;
            case "fp4": t = QuantType4Bit.Fp4; return true;
            default: t = default; return false;
        }
    }
}
