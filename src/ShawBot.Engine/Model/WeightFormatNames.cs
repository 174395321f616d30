namespace ShawBot.Engine.Model;

/// <summary>The names the CLI and the options use for <see cref="WeightFormat"/> ("none", "nf4", "fp4"): parsed here only.</summary>
public static class WeightFormatNames
{
    /// <summary>Every accepted name, in the order help texts list them.</summary>
    public static readonly IReadOnlyList<string> All = ["none", "nf4", "fp4"];

    /// <summary>The format a name stands for; an unknown name throws, naming it and the accepted ones.</summary>
    public static WeightFormat Parse(string name) => name switch
    {
        "none" => WeightFormat.Float32,
        "nf4" => WeightFormat.Nf4,
        "fp4" => WeightFormat.Fp4,
        _ => throw new ArgumentException($"weight format '{name}' is not one of {string.Join(", ", All)}", nameof(name)),
    };

    /// <summary>The name of a format (the inverse of <see cref="Parse"/>).</summary>
    public static string Name(WeightFormat format) => format switch
    {
        WeightFormat.Nf4 => "nf4",
        WeightFormat.Fp4 => "fp4",
        _ => "none",
    };
}
