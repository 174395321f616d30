using System.Text.Json;

namespace ShawBot.TestSupport;

/// <summary>Test helper shared (as a linked source file) by the test projects that run the engine end to end.</summary>
internal static class TinyGoldenModel
{
    /// <summary>
    /// ../shared/golden/tiny-mistral (random weights, 320-token vocabulary) with a Llama-style byte-fallback
    /// BPE tokenizer written for it (ids 3–258 are the bytes).
    /// </summary>
    public static string WithTokenizer(string folder)
    {
        string golden = Path.Combine(GoldenRoot(), "tiny-mistral");
        Directory.CreateDirectory(folder);
        foreach (var f in new[] { "config.json", "model.safetensors" }) File.Copy(Path.Combine(golden, f), Path.Combine(folder, f));
        var vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (int b = 0; b < 256; b++) vocab[$"<0x{b:X2}>"] = 3 + b;
        vocab["▁"] = 259;
        var tokenizer = new
        {
            version = "1.0",
            added_tokens = new[] { "<unk>", "<s>", "</s>" }.Select((t, i) => new { id = i, content = t, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true }),
            normalizer = new { type = "Sequence", normalizers = new object[] { new { type = "Prepend", prepend = "▁" }, new { type = "Replace", pattern = new { String = " " }, content = "▁" } } },
            pre_tokenizer = (object?)null,
            post_processor = new { type = "TemplateProcessing", single = new object[] { new { SpecialToken = new { id = "<s>", type_id = 0 } }, new { Sequence = new { id = "A", type_id = 0 } } },
                pair = new object[] { new { Sequence = new { id = "A", type_id = 0 } }, new { Sequence = new { id = "B", type_id = 1 } } },
                special_tokens = new Dictionary<string, object> { ["<s>"] = new { id = "<s>", ids = new[] { 1 }, tokens = new[] { "<s>" } } } },
            decoder = new { type = "Sequence", decoders = new object[] { new { type = "Replace", pattern = new { String = "▁" }, content = " " }, new { type = "ByteFallback" }, new { type = "Fuse" }, new { type = "Strip", content = " ", start = 1, stop = 0 } } },
            model = new { type = "BPE", dropout = (object?)null, unk_token = "<unk>", continuing_subword_prefix = (object?)null, end_of_word_suffix = (object?)null, fuse_unk = true, byte_fallback = true, vocab, merges = Array.Empty<string>() },
        };
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), JsonSerializer.Serialize(tokenizer));
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"add_bos_token": true, "add_eos_token": false, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}""");
        return folder;
    }

    /// <summary>../shared/golden, found from the test assembly's folder upwards.</summary>
    private static string GoldenRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string golden = Path.Combine(d.FullName, "..", "shared", "golden");
            if (Directory.Exists(golden)) return Path.GetFullPath(golden);
        }

        throw new DirectoryNotFoundException($"no ancestor of {AppContext.BaseDirectory} has a sibling shared/golden");
    }
}
