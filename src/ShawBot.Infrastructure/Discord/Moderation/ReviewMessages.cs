using System.Globalization;
using ShawBot.Core.Domain;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Discord.Models;

namespace ShawBot.Infrastructure.Discord.Moderation;

/// <summary>
/// Renders a draft as a Discord message: the comment (author, text, where it came from: platform,
/// video or server and channel, and a link to it), the
/// draft with its model and adapter, and the four buttons; after a decision the same message
/// says who did what and its buttons are disabled. Texts are cut to Discord's embed limits
/// (6000 characters per message in all), so the comment gets 1500 and the draft 3500.
/// </summary>
public static class ReviewMessages
{
    public const int CommentChars = 1500;
    public const int DraftChars = 3500;
    private const int Pending = 0x5865F2, Approved = 0x57F287, Rejected = 0xED4245, Working = 0xFEE75C;

    /// <summary>A draft awaiting review, with enabled buttons.</summary>
    /// <param name="source">The display name of the "ShawBot:Channels" entry it came from (whose voice drafted it); null: not shown.</param>
    public static MessagePayload Review(ReviewItem item, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        return new MessagePayload
        {
            Content = $"Draft #{item.Draft.DraftId.ToString(CultureInfo.InvariantCulture)} is awaiting review.",
            Embeds = Embeds(item.Comment, source, item.Draft, item.Flags, "Draft reply", item.Draft.Text, Pending),
            Components = [Buttons(item.Draft.DraftId, disabled: false)],
            AllowedMentions = AllowedMentions.None,
        };
    }

    /// <summary>The message after a moderator's decision: who did what, the final text, buttons disabled.</summary>
    public static MessagePayload Decided(ReviewItem item, DecisionKind kind, string moderatorName, string? finalText, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        string who = Truncate(moderatorName, 80);
        string platform = CommentOrigin.Of(item.Comment).PlatformName;
        (string line, string title, int color) = kind switch
        {
            DecisionKind.Approve => ($"✅ Approved by {who}; posting to {platform}.", "Approved reply", Approved),
            DecisionKind.Edit => ($"✏️ Edited and approved by {who}; posting to {platform}.", "Edited reply", Approved),
            DecisionKind.Reject => ($"🚫 Rejected by {who}.", "Rejected draft", Rejected),
            DecisionKind.Regenerate => ($"🔄 {who} asked for a new draft; regenerating…", "Superseded draft", Working),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        return new MessagePayload
        {
            Content = line,
            Embeds = Embeds(item.Comment, source, item.Draft, item.Flags, title, finalText ?? item.Draft.Text, color),
            Components = [Buttons(item.Draft.DraftId, disabled: true)],
            AllowedMentions = AllowedMentions.None,
        };
    }

    /// <summary>The message once the comment reached a final state (posted, failed, skipped, decided elsewhere).</summary>
    public static MessagePayload Final(ReviewItem item, CommentState state, Decision? decision, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        string by = decision is null ? "" : $" ({Verb(decision.Kind)} by {Truncate(decision.Moderator.Name, 80)})";
        string platform = CommentOrigin.Of(item.Comment).PlatformName;
        string line = state switch
        {
            CommentState.Posted => $"📤 Posted to {platform}{by}.",
            CommentState.PostFailed => $"⚠️ Posting to {platform} failed{by}.",
            CommentState.Rejected => $"🚫 Rejected{by}.",
            CommentState.Skipped => "⏭️ Skipped.",
            _ => $"State: {state}{by}.",
        };
        return new MessagePayload
        {
            Content = line,
            Embeds = Embeds(item.Comment, source, item.Draft, item.Flags, "Reply", decision?.FinalText ?? item.Draft.Text,
                state is CommentState.Posted ? Approved : state is CommentState.Rejected or CommentState.PostFailed ? Rejected : Pending),
            Components = [Buttons(item.Draft.DraftId, disabled: true)],
            AllowedMentions = AllowedMentions.None,
        };
    }

    public static DiscordComponent Buttons(long draftId, bool disabled) => DiscordComponent.ActionRow(
        DiscordComponent.Button(new ReviewCustomId(ReviewAction.Approve, draftId).ToString(), "Approve", ButtonStyle.Success, disabled),
        DiscordComponent.Button(new ReviewCustomId(ReviewAction.Edit, draftId).ToString(), "Edit", ButtonStyle.Primary, disabled),
        DiscordComponent.Button(new ReviewCustomId(ReviewAction.Reject, draftId).ToString(), "Reject", ButtonStyle.Danger, disabled),
        DiscordComponent.Button(new ReviewCustomId(ReviewAction.Regenerate, draftId).ToString(), "Regenerate", ButtonStyle.Secondary, disabled));

    /// <summary>The edit modal, prefilled with the draft (Discord caps a text input at 4000 characters).</summary>
    public static ModalPayload EditModal(Draft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return new ModalPayload
        {
            CustomId = new ReviewCustomId(ReviewAction.EditSubmit, draft.DraftId).ToString(),
            Title = "Edit the reply",
            Components =
            [
                DiscordComponent.ActionRow(DiscordComponent.Paragraph(ReviewCustomId.ReplyInputId, "Reply",
                    draft.Text.Length <= DiscordLimits.TextInputValue ? draft.Text : draft.Text[..DiscordLimits.TextInputValue])),
            ],
        };
    }

    /// <summary>The comment on its platform (the video with the comment highlighted, or the Discord message).</summary>
    public static string VideoUrl(Comment comment) => CommentOrigin.Of(comment).Url(comment);

    /// <summary>"▶️ YouTube · video title" or "💬 Discord · server › #channel"; with a source, its name after the platform ("💬 Discord · Shaw's community · …").</summary>
    public static string SourceTitle(Comment comment, string? source = null)
    {
        var origin = CommentOrigin.Of(comment);
        string place = CommentOrigin.Place(comment);
        // A source named like its server ("Shaw community" for "Shaw community › #general") is not said twice.
        string of = string.IsNullOrEmpty(source) || place.StartsWith(source, StringComparison.Ordinal) ? "" : $" · {source}";
        return $"{(origin.Platform == SourcePlatform.Discord ? "💬" : "▶️")} {origin.PlatformName}{of} · {place}";
    }

    private static DiscordEmbed[] Embeds(Comment comment, string? source, Draft draft, IReadOnlyList<string> flags, string draftTitle, string draftText, int color) =>
    [
        new DiscordEmbed
        {
            Author = new EmbedAuthor(Truncate(comment.AuthorDisplayName, 200)),
            Title = Truncate(SourceTitle(comment, source), 200),
            Url = VideoUrl(comment),
            Description = Truncate(comment.Text, CommentChars),
            Color = color,
            Timestamp = comment.PublishedAt,
            Fields = flags.Count == 0 ? null : [new EmbedField("⚠️ Flags", Truncate(string.Join("; ", flags), 500))],
        },
        new DiscordEmbed
        {
            Title = draftTitle,
            Description = Truncate(draftText, DraftChars),
            Color = color,
            Footer = new EmbedFooter(Truncate($"model {draft.ModelName} · adapter {draft.AdapterVersion} · draft #{draft.DraftId.ToString(CultureInfo.InvariantCulture)}", 300)),
        },
    ];

    private static string Verb(DecisionKind kind) => kind switch
    {
        DecisionKind.Approve => "approved",
        DecisionKind.Edit => "edited",
        DecisionKind.Reject => "rejected",
        _ => "regenerated",
    };

    internal static string Truncate(string text, int max) =>
        string.IsNullOrEmpty(text) ? "(empty)" : text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
