using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Moderation;
using ShawBot.Core.Ports;
using ShawBot.Infrastructure.Discord.Models;
using ShawBot.Infrastructure.Discord.Rest;

namespace ShawBot.Infrastructure.Discord.Moderation;

/// <summary>
/// Turns one interaction into a moderation decision or an operator command. Discord wants an
/// answer within 3 s, so every path answers first (modal, refusal, or a deferral) and only then
/// does the work, finishing by editing the original message. Decisions go through
/// <see cref="ModerationService"/>, which keeps them in the store and is idempotent, so a
/// restart or a double click is answered "already handled".
/// </summary>
public sealed partial class DiscordInteractionHandler
{
    public const string CommandName = "shawbot";

    private readonly DiscordRestClient _rest;
    private readonly ModerationService _moderation;
    private readonly ICommentIngest _comments;
    private readonly IReviewStore _reviews;
    private readonly DiscordModerationChannel _channel;
    private readonly IOptionsMonitor<DiscordModerationOptions> _options;
    private readonly IRetrainTrigger _retrain;
    private readonly IAdapterAdmin _adapters;
    private readonly IStatusProvider _status;
    private readonly ILogger<DiscordInteractionHandler> _logger;

    public DiscordInteractionHandler(
        DiscordRestClient rest,
        ModerationService moderation,
        ICommentIngest comments,
        IReviewStore reviews,
        DiscordModerationChannel channel,
        IOptionsMonitor<DiscordModerationOptions> options,
        IRetrainTrigger retrain,
        IAdapterAdmin adapters,
        IStatusProvider status,
        ILogger<DiscordInteractionHandler> logger)
    {
        _rest = rest;
        _moderation = moderation;
        _comments = comments;
        _reviews = reviews;
        _channel = channel;
        _options = options;
        _retrain = retrain;
        _adapters = adapters;
        _status = status;
        _logger = logger;
    }

    /// <summary>The /shawbot command with its three subcommands, as registered on start.</summary>
    public static ApplicationCommand SlashCommand { get; } = new()
    {
        Name = CommandName,
        Description = "ShawBot reply drafting",
        Options =
        [
            ApplicationCommandOption.SubCommand("status", "Queue sizes, active adapter, last retrain"),
            ApplicationCommandOption.SubCommand("retrain", "Retrain the adapter now"),
            ApplicationCommandOption.SubCommand("rollback", "Make the previous adapter live again"),
        ],
    };

    public async Task HandleAsync(DiscordInteraction interaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        bool answered = false;
        try
        {
            answered = interaction.Type switch
            {
                InteractionType.MessageComponent => await OnComponentAsync(interaction, cancellationToken).ConfigureAwait(false),
                InteractionType.ModalSubmit => await OnModalAsync(interaction, cancellationToken).ConfigureAwait(false),
                InteractionType.ApplicationCommand => await OnCommandAsync(interaction, cancellationToken).ConfigureAwait(false),
                _ => false,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(_logger, ex, interaction.Id, interaction.Type);
            await TryReportFailureAsync(interaction, answered, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> OnComponentAsync(DiscordInteraction interaction, CancellationToken ct)
    {
        if (!ReviewCustomId.TryParse(interaction.Data?.CustomId, out var id) || id.Action == ReviewAction.EditSubmit)
        {
            await RespondAsync(interaction, InteractionResponse.Ephemeral("This button is not ShawBot's."), ct).ConfigureAwait(false);
            return true;
        }
        if (!await AuthorizeAsync(interaction, id.Action.ToString(), ct).ConfigureAwait(false))
            return true;

        if (id.Action == ReviewAction.Edit)
        {
            // The modal must be the first answer, so look the draft up before answering (one indexed read).
            var draft = await _reviews.GetDraftAsync(id.DraftId, ct).ConfigureAwait(false);
            var tracked = draft is null ? null : await _comments.GetCommentAsync(draft.CommentId, ct).ConfigureAwait(false);
            if (draft is null || tracked is not { State: CommentState.AwaitingReview } || tracked.CurrentDraftId != draft.DraftId)
            {
                await RespondAsync(interaction, InteractionResponse.Ephemeral(AlreadyHandled(tracked?.State)), ct).ConfigureAwait(false);
                return true;
            }
            await RespondAsync(interaction, InteractionResponse.Modal(ReviewMessages.EditModal(draft)), ct).ConfigureAwait(false);
            return true;
        }

        await RespondAsync(interaction, InteractionResponse.DeferUpdate(), ct).ConfigureAwait(false);
        var kind = id.Action switch
        {
            ReviewAction.Approve => DecisionKind.Approve,
            ReviewAction.Reject => DecisionKind.Reject,
            _ => DecisionKind.Regenerate,
        };
        await DecideAsync(interaction, id.DraftId, kind, null, ct).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> OnModalAsync(DiscordInteraction interaction, CancellationToken ct)
    {
        if (!ReviewCustomId.TryParse(interaction.Data?.CustomId, out var id) || id.Action != ReviewAction.EditSubmit)
        {
            await RespondAsync(interaction, InteractionResponse.Ephemeral("This form is not ShawBot's."), ct).ConfigureAwait(false);
            return true;
        }
        if (!await AuthorizeAsync(interaction, "EditSubmit", ct).ConfigureAwait(false))
            return true;
        string? text = interaction.Data!.GetTextInput(ReviewCustomId.ReplyInputId);
        // A modal opened from a message may answer with a deferred update of that message.
        await RespondAsync(interaction, interaction.Message is null ? InteractionResponse.Defer(ephemeral: true) : InteractionResponse.DeferUpdate(), ct).ConfigureAwait(false);
        await DecideAsync(interaction, id.DraftId, DecisionKind.Edit, text, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Records the decision under the comment's edit lock, then shows it on the message.</summary>
    private async Task DecideAsync(DiscordInteraction interaction, long draftId, DecisionKind kind, string? editedText, CancellationToken ct)
    {
        var moderator = ModeratorOf(interaction);
        var review = await _moderation.GetReviewAsync(draftId, ct).ConfigureAwait(false);
        if (review is null)
        {
            await FollowupAsync(interaction, "This draft no longer exists.", ct).ConfigureAwait(false);
            return;
        }

        using (await _channel.LockAsync(review.Comment.CommentId, ct).ConfigureAwait(false))
        {
            var result = await _moderation.DecideAsync(draftId, kind, moderator, editedText, ct).ConfigureAwait(false);
            LogDecision(_logger, kind, draftId, moderator.Id, result.Status);
            switch (result.Status)
            {
                case DecisionStatus.Accepted:
                    string? finalText = kind == DecisionKind.Edit ? editedText?.Trim() : null;
                    await EditOriginalAsync(interaction, ReviewMessages.Decided(review, kind, moderator.Name, finalText, _channel.SourceOf(review.Comment)), ct).ConfigureAwait(false);
                    break;
                case DecisionStatus.AlreadyHandled:
                    await FollowupAsync(interaction, AlreadyHandled(result.State), ct).ConfigureAwait(false);
                    await RefreshStaleMessageAsync(interaction, review, ct).ConfigureAwait(false);
                    break;
                default:
                    await FollowupAsync(interaction, $"Nothing changed: {result.Message ?? result.Status.ToString()}.", ct).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>
    /// A click on an already decided draft: if the message still shows that draft (e.g. the bot
    /// restarted before it could edit it), show the recorded decision and disable the buttons.
    /// </summary>
    private async Task RefreshStaleMessageAsync(DiscordInteraction interaction, ReviewItem review, CancellationToken ct)
    {
        if (interaction.Message is null)
            return;
        var tracked = await _comments.GetCommentAsync(review.Comment.CommentId, ct).ConfigureAwait(false);
        if (tracked?.CurrentDraftId != review.Draft.DraftId)
            return; // The message shows (or will show) a newer draft.
        var decision = await _reviews.GetDecisionForDraftAsync(review.Draft.DraftId, ct).ConfigureAwait(false);
        var payload = decision is null
            ? ReviewMessages.Final(review, tracked.State, null, _channel.SourceOf(review.Comment))
            : ReviewMessages.Decided(review, decision.Kind, decision.Moderator.Name, decision.FinalText, _channel.SourceOf(review.Comment));
        await EditOriginalAsync(interaction, payload, ct).ConfigureAwait(false);
    }

    private async Task<bool> OnCommandAsync(DiscordInteraction interaction, CancellationToken ct)
    {
        if (interaction.Data?.Name != CommandName)
        {
            await RespondAsync(interaction, InteractionResponse.Ephemeral("Unknown command."), ct).ConfigureAwait(false);
            return true;
        }
        string sub = interaction.Data.SubcommandName ?? "status";
        if (!await AuthorizeAsync(interaction, "/" + sub, ct).ConfigureAwait(false))
            return true;
        await RespondAsync(interaction, InteractionResponse.Defer(ephemeral: true), ct).ConfigureAwait(false);
        var moderator = ModeratorOf(interaction);
        string reply = sub switch
        {
            "status" => FormatStatus(await _status.GetStatusAsync(ct).ConfigureAwait(false)),
            "retrain" => Format(await _retrain.TriggerRetrainAsync(moderator.Name, ct).ConfigureAwait(false)),
            "rollback" => Format(await _adapters.RollbackAsync(moderator.Name, ct).ConfigureAwait(false)),
            _ => $"Unknown subcommand '{sub}'.",
        };
        LogCommand(_logger, sub, moderator.Id);
        await EditOriginalAsync(interaction, new MessagePayload { Content = ReviewMessages.Truncate(reply, DiscordLimits.MessageContent), AllowedMentions = AllowedMentions.None }, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Allowlist check; anyone else gets an ephemeral refusal and nothing changes.</summary>
    private async Task<bool> AuthorizeAsync(DiscordInteraction interaction, string action, CancellationToken ct)
    {
        var user = interaction.Invoker;
        if (user is not null && _options.CurrentValue.IsModerator(user.Id, interaction.InvokerRoles))
            return true;
        LogRefused(_logger, action, user?.Id ?? 0);
        await RespondAsync(interaction, InteractionResponse.Ephemeral("Only ShawBot moderators can do that."), ct).ConfigureAwait(false);
        return false;
    }

    private static Moderator ModeratorOf(DiscordInteraction interaction)
    {
        var user = interaction.Invoker ?? throw new InvalidOperationException("The interaction has no user.");
        string name = interaction.Member?.Nick is { Length: > 0 } nick ? nick : user.DisplayName;
        return new Moderator(user.Id.ToString(CultureInfo.InvariantCulture), name);
    }

    private static string AlreadyHandled(CommentState? state) =>
        state is null ? "Already handled." : $"Already handled (now {state}).";

    internal static string FormatStatus(ServiceStatus status)
    {
        var text = new StringBuilder("**ShawBot status**\n");
        var q = status.QueueSizes;
        int Count(CommentState s) => q.TryGetValue(s, out int n) ? n : 0;
        text.Append(CultureInfo.InvariantCulture,
            $"Queue: new {Count(CommentState.New)} · drafting {Count(CommentState.Drafting)} · awaiting review {Count(CommentState.AwaitingReview)} · ");
        text.Append(CultureInfo.InvariantCulture,
            $"to post {Count(CommentState.Approved) + Count(CommentState.Edited) + Count(CommentState.Posting)} · posted {Count(CommentState.Posted)} · ");
        text.Append(CultureInfo.InvariantCulture,
            $"failed {Count(CommentState.PostFailed)} · rejected {Count(CommentState.Rejected)} · skipped {Count(CommentState.Skipped)}\n");
        text.Append("Active adapter: ").Append(status.ActiveAdapter ?? "unknown").Append('\n');
        text.Append("Last retrain: ");
        text.Append(status.LastRetrainAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "never");
        if (status.LastRetrainSummary is { Length: > 0 } summary)
            text.Append(" (").Append(summary).Append(')');
        return text.ToString();
    }

    private static string Format(AdminActionResult result) => (result.Accepted ? "✅ " : "⚠️ ") + result.Message;

    private Task RespondAsync(DiscordInteraction interaction, InteractionResponse response, CancellationToken ct) =>
        _rest.CreateInteractionResponseAsync(interaction.Id, interaction.Token, response, ct);

    private Task EditOriginalAsync(DiscordInteraction interaction, MessagePayload payload, CancellationToken ct) =>
        _rest.EditOriginalResponseAsync(interaction.ApplicationId, interaction.Token, payload, ct);

    private Task FollowupAsync(DiscordInteraction interaction, string content, CancellationToken ct) =>
        _rest.CreateFollowupMessageAsync(interaction.ApplicationId, interaction.Token,
            new MessagePayload { Content = content, Flags = MessageFlags.Ephemeral, AllowedMentions = AllowedMentions.None }, ct);

    private async Task TryReportFailureAsync(DiscordInteraction interaction, bool answered, CancellationToken ct)
    {
        try
        {
            if (answered)
                await FollowupAsync(interaction, "Something went wrong; nothing may have changed. Try again.", ct).ConfigureAwait(false);
            else
                await RespondAsync(interaction, InteractionResponse.Ephemeral("Something went wrong; try again."), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DiscordRestException or HttpRequestException or ArgumentException)
        {
            // The first answer may already have been sent (or the token expired); the log has the cause.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Discord: {Kind} on draft {DraftId} by {ModeratorId}: {Status}")]
    private static partial void LogDecision(ILogger logger, DecisionKind kind, long draftId, string moderatorId, DecisionStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discord: refused {Action} by user {UserId}: not a moderator")]
    private static partial void LogRefused(ILogger logger, string action, ulong userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Discord: /shawbot {Subcommand} by {ModeratorId}")]
    private static partial void LogCommand(ILogger logger, string subcommand, string moderatorId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Discord: handling interaction {InteractionId} ({Type}) failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, ulong interactionId, InteractionType type);
}
