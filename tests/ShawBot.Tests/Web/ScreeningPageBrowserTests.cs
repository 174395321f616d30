using Microsoft.Playwright;
using ShawBot.Cli.Demo;
using ShawBot.Core.Screening;
using ShawBot.Sandbox.YouTube;
using ShawBot.Tests.Support;
using Xunit.Abstractions;

namespace ShawBot.Tests.Web;

/// <summary>
/// The demo (stub writer) in chromium: cards show the video title that videos.list gave, the screening flags
/// (spam rules, YouTube's likely-spam status) as separate chips, and the header shows the quota state,
/// including the pause after quotaExceeded. SHAWBOT_SCREENSHOT_SCREENING=FILE saves a screenshot.
/// </summary>
public sealed class ScreeningPageBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private DemoHost? _demo;

    public async Task InitializeAsync()
    {
        var options = DemoPageBrowserTests.DemoOptions(_folder.File("state"), model: null) with { InitialComments = 60 };
        _demo = await DemoHost.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        if (_demo is not null) await _demo.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Cards_show_video_titles_and_screening_flags_and_the_header_the_quota_state()
    {
        var demo = _demo!;
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 1000 } });
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(demo.PageUri.ToString());

        var crypto = page.Locator("#queue .card", new() { HasText = "Turn $100 into $10,000" });
        await crypto.WaitForAsync();
        Assert.Equal("Fine-tuning LLMs with QLoRA", (await crypto.Locator("a.video").InnerTextAsync()).Trim());
        var chips = (await crypto.Locator(".flags li.flag").AllInnerTextsAsync()).Select(t => t.Trim()).ToList();
        Assert.Equal(["⚠ spam: link (“link in bio”)", "⚠ spam: money (“Turn $100”)", "⚠ spam: crypto (“trading signals”)"], chips.Where(c => c.Contains("spam", StringComparison.Ordinal)));

        var held = page.Locator("#queue .card", new() { HasText = "Want 10k subscribers fast?" });
        await held.WaitForAsync();
        Assert.Equal("RAG from scratch", (await held.Locator("a.video").InnerTextAsync()).Trim());
        var heldChips = await held.Locator(".flags li.flag").AllInnerTextsAsync();
        Assert.Contains("⚠ " + DraftScreening.YouTubeLikelySpam, heldChips.Select(t => t.Trim()));
        Assert.Contains(heldChips, t => t.Contains("spam: promo", StringComparison.Ordinal));

        // Drafts shown while Lingua's models loaded are checked once they have: the chip goes, a mismatch shows.
        await Assertions.Expect(crypto.Locator(".flags")).Not.ToContainTextAsync(DraftScreening.LanguageNotChecked, new() { Timeout = 90_000 });
        var german = page.Locator("#queue .card", new() { HasText = "Top erklärt, vielen Dank!" });
        await Assertions.Expect(german.Locator(".flags")).Not.ToContainTextAsync(DraftScreening.LanguageNotChecked, new() { Timeout = 30_000 });
        Assert.Equal(chips.Where(c => c != "⚠ " + DraftScreening.LanguageNotChecked), (await crypto.Locator(".flags li.flag").AllInnerTextsAsync()).Select(t => t.Trim()));

        // Quota: units spent today, then YouTube says quotaExceeded and the header shows the pause.
        await Assertions.Expect(page.Locator("#quota")).ToContainTextAsync("YouTube quota ");
        Assert.DoesNotContain("paused", await page.Locator("#quota").InnerTextAsync(), StringComparison.Ordinal);
        demo.Sandbox.InjectFault(new SandboxFault(FaultKind.QuotaExceeded, FaultTarget.ListThreads));
        await Assertions.Expect(page.Locator("#quota.paused")).ToContainTextAsync("YouTube quota exceeded — paused until", new() { Timeout = 30_000 });

        if (Environment.GetEnvironmentVariable("SHAWBOT_SCREENSHOT_SCREENING") is { Length: > 0 } shot)
        {
            await crypto.ScrollIntoViewIfNeededAsync();
            await page.ScreenshotAsync(new() { Path = shot, FullPage = false });
            output.WriteLine($"screenshot: {shot}");
        }
    }
}
