namespace ShawBot.Core.Ports;

/// <summary>
/// Durable pipeline state, as one store implements it. Components depend on the role they use
/// (<see cref="ICommentIngest"/>, <see cref="IReviewStore"/>, <see cref="IPublishStore"/>,
/// <see cref="IQuotaStore"/>), so a second store can be written and tested role by role;
/// <c>AddCommentStore</c> registers each role as the one store instance.
/// </summary>
public interface ICommentStore : ICommentIngest, IReviewStore, IPublishStore, IQuotaStore;
