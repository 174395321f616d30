using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ShawBot.Core;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Discord;
using ShawBot.Infrastructure.Discord.Moderation;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Sandbox.Discord;
using ShawBot.Sandbox.YouTube;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Discord.Moderation;

/// <summary>
/// The whole loop on loopback: YouTube sandbox → poller → drafter (a counting writer) → Discord
/// sandbox message → scripted moderator → store (temp SQLite file) → publisher → YouTube sandbox reply.
/// </summary>
internal sealed class ModerationHost : IAsyncDisposable
{
    public const ulong ReviewChannel = 5555;
    public static readonly SandboxUser Moderator = new(1001, "Maria");
    public static readonly SandboxUser RoleModerator = new(1002, "Rolf", 777);
    public static readonly SandboxUser Outsider = new(6666, "Mallory", 12345);

    private readonly string _databasePath;
    private readonly Dictionary<string, string?> _settings;
    private readonly ITestOutputHelper _output;
    private readonly IReplyWriter _writer;

    private ModerationHost(YouTubeSandbox youTube, DiscordSandbox discord, IHost host, string databasePath, Dictionary<string, string?> settings, ITestOutputHelper output, IReplyWriter writer)
    {
        _writer = writer;
        YouTube = youTube;
        Discord = discord;
        Host = host;
        _databasePath = databasePath;
        _settings = settings;
        _output = output;
    }

    public YouTubeSandbox YouTube { get; }

    public DiscordSandbox Discord { get; }

    public IHost Host { get; private set; }

    public ICommentStore Store => Host.Services.GetRequiredService<ICommentStore>();

    /// <param name="configure">Changes to the settings (e.g. ShawBot:Channels entries) before the host starts.</param>
    /// <param name="writer">The reply writer; by default "Reply #n to {author} –ShawGPT".</param>
    public static async Task<ModerationHost> StartAsync(ITestOutputHelper output, Action<Dictionary<string, string?>, DiscordSandbox>? configure = null, IReplyWriter? writer = null)
    {
        var youTube = new YouTubeSandbox(new YouTubeSandboxOptions { DefaultVideoCount = 1 });
        await youTube.StartAsync();
        var discord = await DiscordSandbox.StartAsync(new DiscordSandboxOptions { HeartbeatInterval = TimeSpan.FromSeconds(5) });
        string db = Path.Combine(Path.GetTempPath(), $"shawbot-discord-{Guid.NewGuid():N}.db");

        var settings = new Dictionary<string, string?>
        {
            ["ShawBot:Channel:ChannelId"] = youTube.ChannelId,
            ["ShawBot:Poller:Interval"] = "00:00:00.200",
            ["ShawBot:Drafter:Interval"] = "00:00:00.200",
            ["ShawBot:Publisher:Interval"] = "00:00:00.200",
            ["ShawBot:Loops:InitialBackoff"] = "00:00:00.100",
            ["ShawBot:Store:DatabasePath"] = db,
            ["ShawBot:YouTube:BaseUri"] = youTube.BaseUri.ToString(),
            ["ShawBot:YouTube:Auth"] = "none",
            // Drafts made while Lingua loads are re-shown (a message edit) once it has: off, so edit counts stay exact.
            ["ShawBot:Screening:DetectLanguage"] = "false",
            ["ShawBot:YouTube:RetryBaseDelay"] = "00:00:00.050",
            ["ShawBot:Discord:BotToken"] = discord.Options.Token,
            ["ShawBot:Discord:ApplicationId"] = discord.Options.ApplicationId.ToString(CultureInfo.InvariantCulture),
            ["ShawBot:Discord:GuildId"] = discord.Options.GuildId.ToString(CultureInfo.InvariantCulture),
            ["ShawBot:Discord:ChannelId"] = ReviewChannel.ToString(CultureInfo.InvariantCulture),
            ["ShawBot:Discord:ModeratorUserIds:0"] = Moderator.Id.ToString(CultureInfo.InvariantCulture),
            ["ShawBot:Discord:ModeratorRoleIds:0"] = "777",
            ["ShawBot:Discord:ApiBaseUrl"] = discord.ApiBaseUrl.ToString(),
        };
        configure?.Invoke(settings, discord);
        writer ??= new CountingWriter();
        var host = await BuildAndStartAsync(settings, output, writer);
        return new ModerationHost(youTube, discord, host, db, settings, output, writer);
    }

    private static async Task<IHost> BuildAndStartAsync(Dictionary<string, string?> settings, ITestOutputHelper output, IReplyWriter writer)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(LogLevel.Information);
        builder.Services.AddShawBotCore(builder.Configuration).AddShawBotInfrastructure(builder.Configuration).AddShawBotRetraining(builder.Configuration).AddShawBotDiscord(builder.Configuration);
        builder.Services.AddSingleton(writer);
        var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<DiscordModerationService>().CommandsRegistered.WaitAsync(TimeSpan.FromSeconds(10));
        return host;
    }

    /// <summary>Stops the service and starts a fresh one on the same database and sandboxes (nothing kept in memory).</summary>
    public async Task RestartAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        Host = await BuildAndStartAsync(_settings, _output, _writer);
    }

    /// <summary>Adds a YouTube comment and waits until its draft is shown in the review channel.</summary>
    public async Task<(SandboxComment Comment, SandboxMessage Message, TrackedComment Tracked)> NewReviewAsync(string author, string text)
    {
        var comment = YouTube.AddComment(new SeedComment(null, "Fine-tuning LLMs", author, text));
        SandboxMessage? message = null;
        await DiscordSandbox.WaitUntilAsync(() =>
        {
            message = Discord.Rest.MessagesIn(ReviewChannel).FirstOrDefault(m => m.EmbedText.Contains(text, StringComparison.Ordinal));
            return message is not null;
        }, TimeSpan.FromSeconds(15), $"review message for '{text}'");
        var tracked = await Store.GetCommentAsync(comment.Id, CancellationToken.None);
        return (comment, message!, tracked!);
    }

    public async Task<TrackedComment> WaitForStateAsync(string commentId, CommentState state)
    {
        TrackedComment? tracked = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            tracked = await Store.GetCommentAsync(commentId, CancellationToken.None);
            if (tracked?.State == state)
                return tracked;
            await Task.Delay(25);
        }
        throw new TimeoutException($"comment {commentId} is {tracked?.State}, expected {state}");
    }

    public string ReplyTextOn(string threadId) =>
        YouTube.OwnerReplies().Single(r => r.ThreadId == threadId).Text;

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        await Discord.DisposeAsync();
        await YouTube.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _databasePath, _databasePath + "-wal", _databasePath + "-shm" })
            File.Delete(file);
    }

    /// <summary>"Reply #n to {author}": each regeneration gives a visibly different draft.</summary>
    private sealed class CountingWriter : IReplyWriter
    {
        private int _count;

        public Task<ReplyDraft> WriteAsync(ReplyRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new ReplyDraft($"Reply #{Interlocked.Increment(ref _count)} to {request.AuthorDisplayName} –ShawGPT", "tiny-llama", "adapter-v7", SamplingSettings.Greedy));
    }
}
