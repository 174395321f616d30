namespace ShawBot.Core.Domain;

public enum DecisionStatus
{
    /// <summary>The decision was recorded and the comment moved on.</summary>
    Accepted,

    /// <summary>The draft was already decided, superseded or posted; nothing changed.</summary>
    AlreadyHandled,

    /// <summary>No such draft.</summary>
    NotFound,

    /// <summary>The request was malformed (e.g. Edit without text, text over the length limit).</summary>
    Invalid,
}

/// <summary>What came of a decision request. State is the comment's state after the call.</summary>
public sealed record DecisionResult(DecisionStatus Status, CommentState? State, string? Message = null)
{
    public bool IsAccepted => Status == DecisionStatus.Accepted;
}
