using System.Text.Json;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Tests.Model;

/// <summary>
/// models/tiny-shawbot, the demo's embedded model: a normal Hugging Face folder that loads with its
/// default adapter and, greedily, answers most of data/demo-comments.jsonl in English with the sign-off.
/// </summary>
public class EmbeddedModelTests
{
    private const string SignOff = "–ShawGPT";
    private static readonly HashSet<string> CommonWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "the", "a", "an", "and", "to", "of", "is", "it", "you", "your", "for", "this", "that", "in", "on", "with", "thanks", "thank",
        "glad", "great", "i", "we", "be", "can", "are", "will", "more", "good", "so", "not", "but", "what", "use",
    };

    private static string Folder => Path.Combine(TestPaths.RepoRoot, "models", "tiny-shawbot");

    [Fact]
    public void IsAHuggingFaceFolderUnder40MegabytesWithAModelCard()
    {
        foreach (var f in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json",
                                  "README.md", "adapter/adapter_config.json", "adapter/adapter_model.safetensors" })
            Assert.True(File.Exists(Path.Combine(Folder, f)), $"models/tiny-shawbot/{f} is missing");
        long bytes = new DirectoryInfo(Folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        // Issue 14: the embedded model stays within 40 MB in git.
        Assert.True(bytes <= 40L << 20, $"models/tiny-shawbot holds {bytes / 1e6:0.0} MB, more than 40 MB");
        var config = ModelConfig.Load(Path.Combine(Folder, "config.json"));
        Assert.Equal("llama", config.ModelType);
        Assert.Contains("Mistral-7B-Instruct", File.ReadAllText(Path.Combine(Folder, "README.md")));
    }

    /// <summary>Non-empty, mostly ASCII letters, at least one common English word, and the sign-off at the end.</summary>
    internal static bool IsEnglishWithSignOff(string reply)
    {
        reply = reply.Trim();
        if (!reply.EndsWith(SignOff, StringComparison.Ordinal)) return false;
        string body = reply[..^SignOff.Length].Trim();
        if (body.Length == 0) return false;
        var letters = body.Where(char.IsLetter).ToList();
        if (letters.Count == 0 || letters.Count(c => c < 128) < 0.9 * letters.Count) return false;
        var words = body.Split([' ', ',', '.', '!', '?', ';', ':', '\n', '(', ')', '"'], StringSplitOptions.RemoveEmptyEntries);
        return words.Any(CommonWords.Contains);
    }

    [Fact]
    public void GreedyRepliesToMostDemoCommentsAreEnglishAndSigned()
    {
        using var model = ModelLoader.Load(Folder);
        var tokenizer = TokenizerLoader.Load(Folder);
        var adapter = PeftAdapterFiles.Load(Path.Combine(Folder, "adapter"), model.Config);
        var replyPrompt = new ReplyPrompt(PromptTemplate.Load(Path.Combine(TestPaths.RepoRoot, "prompts")), tokenizer);
        var generator = new TextGenerator(model, tokenizer, 1024);
        var comments = File.ReadLines(Path.Combine(TestPaths.RepoRoot, "data", "demo-comments.jsonl"))
            .Where(l => l.Trim().Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!)
            .ToList();
        Assert.True(comments.Count >= 100, $"data/demo-comments.jsonl has {comments.Count} comments");
        var options = new SamplingOptions { MaxNewTokens = 96, MinNewTokens = 2, StopStrings = [SignOff], RepetitionPenalty = 1.1f };
        int good = 0;
        var bad = new List<string>();
        foreach (var c in comments)
        {
            int[] prompt = replyPrompt.Build(new PromptSlots(c), 900).Ids;
            var r = generator.Generate(prompt, options, adapter);
            string reply = r.TextWithStop;
            if (IsEnglishWithSignOff(reply)) good++;
            else if (bad.Count < 5) bad.Add(reply);
        }
        Assert.True(good >= 0.8 * comments.Count, $"{good} of {comments.Count} replies are English with the sign-off; e.g. {string.Join(" | ", bad)}");
    }

    [Theory]
    [InlineData("Thanks for the video! –ShawGPT", true)]
    [InlineData("–ShawGPT", false)]
    [InlineData("Gracias por el video –ShawGPT", false)]
    [InlineData("Great question, the rank sets the adapter size.", false)]
    [InlineData("ありがとう –ShawGPT", false)]
    public void EnglishCheckAcceptsAndRejects(string reply, bool expected) => Assert.Equal(expected, IsEnglishWithSignOff(reply));
}
