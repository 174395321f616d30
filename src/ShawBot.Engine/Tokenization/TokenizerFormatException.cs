namespace ShawBot.Engine.Tokenization;

/// <summary>
/// A tokenizer file (tokenizer.json, tokenizer.model, tokenizer_config.json, special_tokens_map.json)
/// is malformed or uses a feature this engine does not implement. <see cref="Field"/> names the
/// JSON path or protobuf field that was being read.
/// (System.IO.InvalidDataException is sealed, so this derives from IOException, as
/// EndOfStreamException does; catch TokenizerFormatException or IOException.)
/// </summary>
public class TokenizerFormatException : IOException
{
    public TokenizerFormatException(string filePath, string field, string message, Exception? inner = null)
        : base($"{filePath}: {field}: {message}", inner)
    {
        FilePath = filePath;
        Field = field;
    }

    public string FilePath { get; }

    public string Field { get; }
}
