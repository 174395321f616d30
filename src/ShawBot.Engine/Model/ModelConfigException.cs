namespace ShawBot.Engine.Model;

/// <summary>
/// A config.json that cannot describe a model the engine runs. Names the file and the JSON
/// field (Hugging Face's snake_case key). Derives from IOException because
/// System.IO.InvalidDataException is sealed.
/// </summary>
public class ModelConfigException : IOException
{
    public ModelConfigException(string filePath, string? field, string problem, Exception? inner = null)
        : base($"model config '{filePath}'{(field is null ? "" : $" field '{field}'")}: {problem}", inner)
    {
        FilePath = filePath;
        Field = field;
    }

    public string FilePath { get; }
    public string? Field { get; }
}
