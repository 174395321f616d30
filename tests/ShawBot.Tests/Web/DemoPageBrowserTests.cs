using System.Diagnostics;
using Microsoft.Playwright;
using ShawBot.Cli.Demo;
using ShawBot.Core.Ports;
using ShawBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ShawBot.Tests.Web;

/// <summary>
/// The demo host on a free port, the real engine drafting (golden tiny model), and the page driven in
/// chromium: a draft appears, is edited inline and approved, the edited reply reaches the sandbox, and
/// "Retrain now" adds an adapter version that the page lists with its loss curve.
/// </summary>
public sealed class DemoPageBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private DemoHost? _demo;
    private string _state = "";

    public async Task InitializeAsync()
    {
        var model = ShawBot.TestSupport.TinyGoldenModel.WithTokenizer(_folder.File("tiny-mistral"));
        _state = _folder.File("state");
        var options = DemoOptions(_state, model);
        // The real retrain job (Quartz + registry + QLoRA trainer), kept short for the test.
        var settings = new Dictionary<string, string?>(options.Settings);
        foreach (var (k, v) in new Dictionary<string, string?>
        {
            ["ShawBot:Retrain:MaxSteps"] = "4", ["ShawBot:Retrain:BatchSize"] = "4", ["ShawBot:Retrain:MaxLength"] = "256",
            ["ShawBot:Retrain:SampleCount"] = "1", ["ShawBot:Retrain:SampleMaxNewTokens"] = "8", ["ShawBot:Retrain:LowPriority"] = "false",
        })
            settings[k] = v;
        _demo = await DemoHost.StartAsync(options with { Settings = settings });
    }

    internal static DemoOptions DemoOptions(string state, string? model) => new()
    {
        StateDirectory = state,
        ModelDirectory = model,
        SeedFile = RepoPaths.DemoComments,
        PromptsDirectory = RepoPaths.Prompts,
        Port = 0,
        InitialComments = 3,
        TrickleInterval = TimeSpan.FromMilliseconds(500),
        MaxNewTokens = 8,
        DiscordQuestions = 0, // these tests count YouTube comments; DemoCommunityTests covers the Discord ones
        Settings = new Dictionary<string, string?>
        {
            ["ShawBot:Poller:Interval"] = "00:00:00.200",
            ["ShawBot:Drafter:Interval"] = "00:00:00.100",
            ["ShawBot:Publisher:Interval"] = "00:00:00.100",
            ["ShawBot:Engine:Temperature"] = "0",
            ["ShawBot:Engine:RepetitionPenalty"] = "1.0",
            ["Logging:LogLevel:Default"] = "Warning",
        },
    };

    public async Task DisposeAsync()
    {
        if (_demo is not null) await _demo.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_draft_is_edited_and_approved_in_the_browser_and_retrain_lists_a_new_adapter()
    {
        var demo = _demo!;
        Assert.True(demo.UsesEngine);
        var sw = Stopwatch.StartNew();
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 900 } });
        page.SetDefaultTimeout(30_000);
        output.WriteLine($"browser up in {sw.Elapsed.TotalSeconds:0.0} s; page {demo.PageUri}");
        await page.GotoAsync(demo.PageUri.ToString());

        // A draft written by the engine shows up in the queue.
        var card = page.Locator("#queue .card").First;
        await card.WaitForAsync();
        var commentId = await card.GetAttributeAsync("data-comment-id");
        Assert.False(string.IsNullOrEmpty(commentId));
        var commentText = await card.Locator(".comment").InnerTextAsync();
        Assert.Contains(commentText.Trim(), File.ReadAllText(RepoPaths.DemoComments));
        Assert.Contains("tiny-mistral", await card.InnerTextAsync());

        // Edit inline and approve.
        const string edited = "Thanks for watching, glad it helped! –ShawGPT";
        await page.FillAsync($"#queue .card[data-comment-id='{commentId}'] textarea", edited);
        var approve = page.Locator($"#queue .card[data-comment-id='{commentId}'] button.approve");
        Assert.Equal("Approve edited", (await approve.InnerTextAsync()).Trim());
        await approve.ClickAsync();

        // The reply lands on YouTube (the sandbox) once, with the edited text, and the history says Posted.
        await Wait.UntilAsync(() => Task.FromResult(demo.Sandbox.OwnerReplies().Any(r => r.ThreadId == commentId)), TimeSpan.FromSeconds(30), "the reply in the sandbox");
        var replies = demo.Sandbox.OwnerReplies().Where(r => r.ThreadId == commentId).ToList();
        Assert.Single(replies);
        Assert.Equal(edited, replies[0].Text);
        await page.Locator($"#history tr[data-comment-id='{commentId}'] td.state-Posted").WaitForAsync();
        Assert.Contains("Edit", await page.Locator($"#history tr[data-comment-id='{commentId}']").InnerTextAsync());
        await page.Locator($"#queue .card[data-comment-id='{commentId}']").WaitForAsync(new() { State = WaitForSelectorState.Detached });

        // Retrain now: live progress, then the new version with its eval loss and loss curve.
        Assert.Equal(0, await page.Locator("#adapters li").CountAsync());
        var retrain = page.Locator("#retrain");
        await Assertions.Expect(retrain).ToBeEnabledAsync();
        await retrain.ClickAsync();
        await Assertions.Expect(page.Locator("#retrain-status")).ToContainTextAsync("Retraining");
        var version = page.Locator("#adapters li[data-version='v0001']");
        await version.WaitForAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(version).ToContainTextAsync("eval loss");
        await Assertions.Expect(page.Locator("#retrain-status")).ToContainTextAsync("v0001", new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync("() => { const i = document.querySelector(\"#adapters li[data-version='v0001'] img\"); return i && i.complete && i.naturalWidth > 0; }");
        // A whole PEFT version with its metadata sits in the registry.
        foreach (var f in new[] { "adapter_config.json", "adapter_model.safetensors", "metadata.json", "loss-curve.svg" })
            Assert.True(File.Exists(Path.Combine(_state, "adapters", "v0001", f)), $"v0001/{f} is missing");

        if (Environment.GetEnvironmentVariable("SHAWBOT_SCREENSHOT") is { Length: > 0 } shot)
        {
            await page.ScreenshotAsync(new() { Path = shot });
        }

        output.WriteLine($"done in {sw.Elapsed.TotalSeconds:0.0} s");
    }
}
