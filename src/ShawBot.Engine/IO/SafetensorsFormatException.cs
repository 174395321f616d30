namespace ShawBot.Engine.IO;

/// <summary>
/// A safetensors file (or a sharded checkpoint's index) that breaks the format. The message
/// names the file, the tensor (when one is at fault) and the header field.
/// (Derives from IOException: System.IO.InvalidDataException is sealed.)
/// </summary>
public class SafetensorsFormatException : IOException
{
    public SafetensorsFormatException(string filePath, string? tensorName, string? field, string problem, Exception? inner = null)
        : base(Compose(filePath, tensorName, field, problem), inner)
    {
        FilePath = filePath;
        TensorName = tensorName;
        Field = field;
    }

    public string FilePath { get; }
    public string? TensorName { get; }
    public string? Field { get; }

    private static string Compose(string filePath, string? tensorName, string? field, string problem)
    {
        string where = tensorName is null ? "" : $" tensor '{tensorName}'";
        string what = field is null ? "" : $" field '{field}'";
        return $"safetensors file '{filePath}'{where}{what}: {problem}";
    }
}
