using System.Diagnostics;
using System.Text.Json;
using ShawBot.Cli.Commands;
using ShawBot.Engine.Generation;
using ShawBot.Infrastructure.Engine;
using ShawBot.Tests.Support;

namespace ShawBot.Tests.Commands;

/// <summary>What a new user reads when a setting or an argument is wrong: one plain line, never a stack trace.</summary>
public sealed class CliMessagesTests
{
    private static (int ExitCode, string StdOut, string StdErr) RunCli(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "shawbot.dll"));
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"shawbot {string.Join(' ', arguments)} did not exit within 60 s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Settings(TempFolder folder, string model, Dictionary<string, string> extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["Channel:ChannelId"] = "UCabc",
            ["Engine:ModelPath"] = model,
            ["YouTube:Auth"] = "none",
            ["YouTube:BaseUri"] = "http://127.0.0.1:9/",
            ["Store:DatabasePath"] = folder.File("state.db"),
            ["Web:Port"] = "0",
        };
        foreach (var (k, v) in extra) settings[k] = v;
        var nested = new Dictionary<string, Dictionary<string, string>>();
        foreach (var (k, v) in settings)
        {
            var (section, key) = (k[..k.IndexOf(':')], k[(k.IndexOf(':') + 1)..]);
            if (!nested.TryGetValue(section, out var s)) nested[section] = s = [];
            s[key] = v;
        }

        var path = folder.File("appsettings.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { ShawBot = nested }));
        return path;
    }

    [Fact]
    public void A_value_that_does_not_convert_is_one_line_naming_key_and_value()
    {
        using var folder = new TempFolder();
        var model = ShawBot.TestSupport.TinyGoldenModel.WithTokenizer(folder.File("model"));
        var config = Settings(folder, model, new() { ["Poller:Interval"] = "banana" });

        var (code, stdout, stderr) = RunCli(folder.Path, "run", "--config", config);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal(["error: Failed to convert configuration value 'banana' at 'ShawBot:Poller:Interval' to type 'System.TimeSpan'."], stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void An_invalid_value_is_listed_without_a_stack_trace()
    {
        using var folder = new TempFolder();
        var model = ShawBot.TestSupport.TinyGoldenModel.WithTokenizer(folder.File("model"));
        var config = Settings(folder, model, new() { ["YouTube:BaseUri"] = "https://youtube.example/" });

        var (code, _, stderr) = RunCli(folder.Path, "run", "--config", config);

        Assert.Equal(2, code);
        Assert.Equal(
            [
                "shawbot run cannot start: invalid settings",
                "  - YouTubeOptions.Auth: ShawBot:YouTube:Auth=none is allowed only for a loopback ShawBot:YouTube:BaseUri (got 'https://youtube.example/')",
            ],
            stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Generate_with_a_comment_too_long_for_the_context_says_so_plainly()
    {
        using var folder = new TempFolder();
        var model = ShawBot.TestSupport.TinyGoldenModel.WithTokenizer(folder.File("model"));
        var comment = string.Join(' ', Enumerable.Repeat("tokens", 6000));

        var (code, _, stderr) = RunCli(folder.Path, "generate", "--model", model, "--prompts", RepoPaths.Prompts, "--comment", comment);

        Assert.Equal(1, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^error: the comment is too long: with the instructions it is \d+ tokens, and the model's context holds \d+; shorten the comment$", line);
    }

    [Fact]
    public void Messages_leave_out_the_parameter_name()
    {
        Assert.Equal("the prompt has 5000 tokens; the context holds 4096",
            CommonOptions.PlainMessage(new ArgumentException("the prompt has 5000 tokens; the context holds 4096", "prompt")));
        Assert.Equal("plain", CommonOptions.PlainMessage(new InvalidOperationException("plain")));
        Assert.Null(GenerateCommand.TooLong(4095, 4096));
        Assert.Equal("the comment is too long: with the instructions it is 4096 tokens, and the model's context holds 4095; shorten the comment", GenerateCommand.TooLong(4096, 4096));
    }

    [Fact]
    public void Generate_and_the_service_share_one_repetition_penalty_default()
    {
        var parsed = GenerateCommand.Create().Parse(["--model", ".", "--comment", "hi"]);
        Assert.Equal(SamplingOptions.DraftRepetitionPenalty, parsed.GetValue<float>("--repetition-penalty"));
        Assert.Equal((double)SamplingOptions.DraftRepetitionPenalty, new EngineOptions().RepetitionPenalty);
        Assert.Equal(1.1f, SamplingOptions.DraftRepetitionPenalty);
    }
}
