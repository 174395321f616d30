namespace ShawBot.Engine.Tokenization;

/// <summary>Loads the tokenizer of a Hugging Face model folder.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// Loads tokenizer.json when the folder has one, else tokenizer.model; tokenizer_config.json
    /// and special_tokens_map.json, when present, set add_bos_token / add_eos_token and the
    /// special tokens.
    /// </summary>
    public static ITokenizer Load(string modelFolder)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelFolder);
        if (!Directory.Exists(modelFolder))
        {
            throw new DirectoryNotFoundException($"Model folder not found: {modelFolder}");
        }

        string json = Path.Combine(modelFolder, "tokenizer.json");
        if (File.Exists(json))
        {
            return LoadTokenizerJson(json);
        }

        string model = Path.Combine(modelFolder, "tokenizer.model");
        if (File.Exists(model))
        {
            return LoadSentencePiece(model);
        }

        throw new FileNotFoundException($"Neither tokenizer.json nor tokenizer.model is in {modelFolder}", json);
    }

    /// <summary>Loads a Hugging Face tokenizer.json plus the config files beside it.</summary>
    public static ITokenizer LoadTokenizerJson(string tokenizerJsonPath) =>
        HfTokenizerJsonReader.Load(tokenizerJsonPath, ReadConfigBeside(tokenizerJsonPath));

    /// <summary>Loads a SentencePiece tokenizer.model (BPE type) plus the config files beside it.</summary>
    public static ITokenizer LoadSentencePiece(string tokenizerModelPath) =>
        SentencePieceModelReader.Load(tokenizerModelPath, ReadConfigBeside(tokenizerModelPath));

    private static TokenizerConfig ReadConfigBeside(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Tokenizer file not found: {path}", path);
        }

        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        return folder is null ? TokenizerConfig.Empty : TokenizerConfig.Read(folder);
    }
}
