using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ShawBot.Infrastructure.Discord.Community;
using ShawBot.Sandbox.Discord;

namespace ShawBot.Cli.Demo;

/// <summary>
/// The demo's second source: a sandboxed Discord server whose #ask-shawbot channel gets a handful of
/// questions. Drafts for them appear on the page beside the YouTube ones (marked Discord, linking to the
/// message); an approved one is posted as a reply to the question in the sandbox. The questions are asked
/// once per state folder; the sandboxed server lives in memory, so a resumed demo starts it empty.
/// </summary>
public sealed partial class DemoCommunity : IAsyncDisposable
{
    public const ulong AskChannel = 7_002;
    public const ulong ReviewChannel = 7_001;
    private const string MarkerFile = "demo-discord-asked";

    public static IReadOnlyList<(string Author, string Question)> Questions { get; } =
    [
        ("mira", "How much RAM do I need to fine-tune a 7B model at home?"),
        ("tobi", "Is QLoRA worse than full fine-tuning for a chat style?"),
        ("june", "What rank do you use for your LoRA adapters?"),
        ("kofi", "Can the bot answer in German if someone asks in German?"),
        ("lena", "How do you stop the model from making things up?"),
    ];

    private DemoCommunity(DiscordSandbox sandbox) => Sandbox = sandbox;

    public DiscordSandbox Sandbox { get; }

    public static async Task<DemoCommunity> StartAsync(CancellationToken cancellationToken)
    {
        var sandbox = await DiscordSandbox.StartAsync(ct: cancellationToken).ConfigureAwait(false);
        sandbox.Rest.SetChannelName(AskChannel, "ask-shawbot");
        sandbox.Rest.SetChannelName(ReviewChannel, "shawbot-review");
        return new DemoCommunity(sandbox);
    }

    /// <summary>Discord on, against the sandbox: review cards go to its review channel, questions come from #ask-shawbot.</summary>
    public void AddSettings(IDictionary<string, string?> s)
    {
        ArgumentNullException.ThrowIfNull(s);
        string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);
        s["ShawBot:Discord:BotToken"] = Sandbox.Options.Token;
        s["ShawBot:Discord:ApplicationId"] = Id(Sandbox.Options.ApplicationId);
        s["ShawBot:Discord:GuildId"] = Id(Sandbox.Options.GuildId);
        s["ShawBot:Discord:ChannelId"] = Id(ReviewChannel);
        s["ShawBot:Discord:ModeratorUserIds:0"] = "1";
        s["ShawBot:Discord:ApiBaseUrl"] = Sandbox.ApiBaseUrl.ToString();
        s["ShawBot:Channels:0:Id"] = "community";
        s["ShawBot:Channels:0:Platform"] = "Discord";
        s["ShawBot:Channels:0:DisplayName"] = "ShawBot community";
        s["ShawBot:Channels:0:GuildId"] = Id(Sandbox.Options.GuildId);
        s["ShawBot:Channels:0:AskChannelIds:0"] = Id(AskChannel);
    }

    /// <summary>Once the intake reads the channel, asks the questions (first run of a state folder only), one every <paramref name="interval"/>.</summary>
    public async Task AskAsync(IServiceProvider services, string stateDirectory, int count, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var logger = services.GetRequiredService<ILogger<DemoCommunity>>();
        var marker = Path.Combine(stateDirectory, MarkerFile);
        if (count <= 0 || File.Exists(marker))
        {
            return;
        }

        try
        {
            var intake = services.GetRequiredService<DiscordCommunityIntake>();
            while (intake.CatchUps == 0)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }

            await File.WriteAllTextAsync(marker, "", cancellationToken).ConfigureAwait(false);
            foreach (var (i, (author, question)) in Questions.Take(count).Index())
            {
                Sandbox.PostUserMessage(AskChannel, new SandboxUser((ulong)(3_000 + i), author), question);
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }

            LogAsked(logger, Math.Min(count, Questions.Count));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public ValueTask DisposeAsync() => Sandbox.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "All {Count} demo Discord questions have been asked in #ask-shawbot")]
    private static partial void LogAsked(ILogger logger, int count);
}
