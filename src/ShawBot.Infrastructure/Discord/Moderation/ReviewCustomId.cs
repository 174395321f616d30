using System.Globalization;

namespace ShawBot.Infrastructure.Discord.Moderation;

public enum ReviewAction
{
    Approve,
    Edit,
    Reject,
    Regenerate,
    /// <summary>The edit modal was submitted.</summary>
    EditSubmit,
}

/// <summary>
/// custom_id of review buttons and the edit modal: "sb:{verb}:{draftId}". The draft id (not the
/// comment id) is what makes a stale button safe: after Regenerate the old draft is superseded and
/// the store answers AlreadyHandled. Short by design: Discord allows 100 characters.
/// </summary>
public readonly record struct ReviewCustomId(ReviewAction Action, long DraftId)
{
    private const string Prefix = "sb:";

    /// <summary>custom_id of the modal's paragraph input.</summary>
    public const string ReplyInputId = "reply";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Verb(Action)}:{DraftId}");

    public static bool TryParse(string? customId, out ReviewCustomId id)
    {
        id = default;
        if (customId is null || !customId.StartsWith(Prefix, StringComparison.Ordinal))
            return false;
        var rest = customId.AsSpan(Prefix.Length);
        int colon = rest.IndexOf(':');
        if (colon <= 0 || !long.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out long draftId))
            return false;
        ReviewAction? action = rest[..colon] switch
        {
            "approve" => ReviewAction.Approve,
            "edit" => ReviewAction.Edit,
            "reject" => ReviewAction.Reject,
            "regen" => ReviewAction.Regenerate,
            "edited" => ReviewAction.EditSubmit,
            _ => null,
        };
        if (action is null)
            return false;
        id = new ReviewCustomId(action.Value, draftId);
        return true;
    }

    private static string Verb(ReviewAction action) => action switch
    {
        ReviewAction.Approve => "approve",
        ReviewAction.Edit => "edit",
        ReviewAction.Reject => "reject",
        ReviewAction.Regenerate => "regen",
        ReviewAction.EditSubmit => "edited",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };
}
