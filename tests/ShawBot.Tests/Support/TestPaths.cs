using System.Text.Json;

namespace ShawBot.Tests.Support;

internal static class RepoPaths
{
    /// <summary>The folder holding ShawBot.sln (../shared sits beside it).</summary>
    public static string Root { get; } = FindRoot();

    public static string DemoComments => Path.Combine(Root, "data", "demo-comments.jsonl");

    public static string Prompts => Path.Combine(Root, "prompts");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ShawBot.sln"))) return dir.FullName;
        }

        throw new DirectoryNotFoundException("ShawBot.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temp folder removed on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("shawbot-tests-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal static class Wait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            await Task.Delay(50);
        }
    }
}

internal static class TinyModel
{
    /// <summary>
    /// ../shared/golden/tiny-mistral (random weights, 320-token vocabulary) with a Llama-style byte-fallback
    /// BPE tokenizer written for it (ids 3–258 are the bytes); as in the Infrastructure engine tests.
    /// </summary>
    public static string WithTokenizer(string folder)
    {
        string golden = Path.Combine(RepoPaths.Root, "..", "shared", "golden", "tiny-mistral");
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
}
