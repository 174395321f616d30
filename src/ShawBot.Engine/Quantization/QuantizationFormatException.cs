namespace ShawBot.Engine.Quantization;

/// <summary>
/// A quantized tensor whose stored form is inconsistent: a missing companion tensor, bad
/// quant_state JSON, a byte count that disagrees with the shape. Names the tensor and field.
/// </summary>
public class QuantizationFormatException : IOException
{
    public QuantizationFormatException(string tensorName, string? field, string problem, Exception? inner = null)
        : base($"quantized tensor '{tensorName}'{(field is null ? "" : $" field '{field}'")}: {problem}", inner)
    {
        TensorName = tensorName;
        Field = field;
    }

    public string TensorName { get; }
    public string? Field { get; }
}
