using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ShawBot.Core.Domain;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Discord.Community;
using ShawBot.Infrastructure.Tests.Discord.Moderation;
using ShawBot.Sandbox.Discord;

namespace ShawBot.Infrastructure.Tests.Discord.Community;

/// <summary>A Discord server as a second source beside the YouTube sandbox: one mention channel, one ask channel.</summary>
internal static class CommunitySetup
{
    public const ulong General = 7001;
    public const ulong Ask = 7002;
    public const ulong Elsewhere = 7003;
    public const string ServerName = "Shaw community";
    public static readonly SandboxUser Ada = new(2001, "Ada");
    public static readonly SandboxUser Ben = new(2002, "Ben");

    /// <summary>ShawBot:Channels with the Discord entry (the YouTube channel stays the single-channel setting).</summary>
    public static void Configure(Dictionary<string, string?> settings, DiscordSandbox discord)
    {
        settings["ShawBot:Channels:0:Id"] = "community";
        settings["ShawBot:Channels:0:Platform"] = "Discord";
        settings["ShawBot:Channels:0:DisplayName"] = ServerName;
        settings["ShawBot:Channels:0:GuildId"] = discord.Options.GuildId.ToString(CultureInfo.InvariantCulture);
        settings["ShawBot:Channels:0:ChannelIds:0"] = General.ToString(CultureInfo.InvariantCulture);
        settings["ShawBot:Channels:0:AskChannelIds:0"] = Ask.ToString(CultureInfo.InvariantCulture);
        discord.Rest.SetChannelName(General, "general");
        discord.Rest.SetChannelName(Ask, "ask-shawbot");
    }

    public static async Task<ModerationHost> StartAsync(Xunit.Abstractions.ITestOutputHelper output, Core.Ports.IReplyWriter? writer = null)
    {
        var host = await ModerationHost.StartAsync(output, Configure, writer);
        await WaitForCatchUpsAsync(host, 1);
        return host;
    }

    public static DiscordCommunityIntake Intake(ModerationHost host) => host.Host.Services.GetRequiredService<DiscordCommunityIntake>();

    /// <summary>Waits until the intake has read the history <paramref name="count"/> times (once per session start).</summary>
    public static Task WaitForCatchUpsAsync(ModerationHost host, int count) =>
        DiscordSandbox.WaitUntilAsync(() => Intake(host).CatchUps >= count, TimeSpan.FromSeconds(15), $"{count} history reads");

    public static string CommentId(ModerationHost host, ulong channel, SandboxMessage message) =>
        CommentOrigin.DiscordCommentId(host.Discord.Options.GuildId, channel, message.Id);

    /// <summary>Waits until the question's draft is shown in the review channel.</summary>
    public static async Task<(SandboxMessage Review, TrackedComment Tracked)> ReviewOfAsync(ModerationHost host, ulong channel, SandboxMessage question, string text)
    {
        SandboxMessage? review = null;
        await DiscordSandbox.WaitUntilAsync(() =>
        {
            review = host.Discord.Rest.MessagesIn(ModerationHost.ReviewChannel).FirstOrDefault(m => m.EmbedText.Contains(text, StringComparison.Ordinal));
            return review is not null;
        }, TimeSpan.FromSeconds(15), $"review message for '{text}'");
        var tracked = await host.Store.GetCommentAsync(CommentId(host, channel, question), CancellationToken.None);
        return (review!, tracked!);
    }

    /// <summary>Approves the question's draft in the review channel and waits until it is Posted.</summary>
    public static async Task ApproveAsync(ModerationHost host, ulong channel, SandboxMessage question, string text)
    {
        var (review, tracked) = await ReviewOfAsync(host, channel, question, text);
        host.Discord.ClickButton(ModerationHost.ReviewChannel, review.Id, $"sb:approve:{tracked.CurrentDraftId}", ModerationHost.Moderator);
        await host.WaitForStateAsync(tracked.Comment.CommentId, CommentState.Posted);
    }
}
