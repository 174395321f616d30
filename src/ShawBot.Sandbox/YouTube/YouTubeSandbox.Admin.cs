using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ShawBot.Sandbox.YouTube;

/// <summary>Body of POST /admin/comments.</summary>
public sealed record AdminCommentRequest(string? VideoId, string? VideoTitle, string Author, string Text, string? AuthorChannelId);

/// <summary>Body of POST /admin/faults; DelayMs applies to Slow.</summary>
public sealed record AdminFaultRequest(FaultKind Kind, FaultTarget Target = FaultTarget.Any, int Count = 1, int DelayMs = 0);

/// <summary>Body of POST /admin/owner-replies.</summary>
public sealed record AdminOwnerReplyRequest(string ThreadId, string Text);

// The admin API: seed comments, read the channel's replies, inject and clear faults, reset quota.
public sealed partial class YouTubeSandbox
{
    private void MapAdmin(WebApplication app)
    {
        app.MapPost("/admin/comments", (AdminCommentRequest request) =>
            Results.Json(AddComment(new SeedComment(request.VideoId, request.VideoTitle, request.Author, request.Text), request.AuthorChannelId), statusCode: 201));
        app.MapPost("/admin/owner-replies", (AdminOwnerReplyRequest request) =>
            AddOwnerReply(request.ThreadId, request.Text) is { } reply ? Results.Json(reply, statusCode: 201) : Results.NotFound());
        app.MapGet("/admin/replies", () => Results.Json(OwnerReplies()));
        app.MapGet("/admin/faults", () => Results.Json(ActiveFaults()));
        app.MapPost("/admin/faults", (AdminFaultRequest request) =>
        {
            InjectFault(new SandboxFault(request.Kind, request.Target, request.Count, TimeSpan.FromMilliseconds(request.DelayMs)));
            return Results.NoContent();
        });
        app.MapDelete("/admin/faults", () =>
        {
            ClearFaults();
            return Results.NoContent();
        });
        app.MapPost("/admin/videos/{videoId}/comments-disabled", (string videoId, bool disabled) =>
        {
            if (Data.Video(videoId) is null)
            {
                return Results.NotFound();
            }

            SetCommentsDisabled(videoId, disabled);
            return Results.NoContent();
        });
        app.MapPost("/admin/quota", (int? dailyQuota) =>
        {
            SetDailyQuota(dailyQuota);
            return Results.NoContent();
        });
        app.MapPost("/admin/quota/reset", () =>
        {
            ResetQuota();
            return Results.NoContent();
        });
        app.MapGet("/admin/stats", () => Results.Json(new { threads = ThreadCount, requests = RequestCount, quotaUsed = QuotaUsed, ownerReplies = OwnerReplies().Count }));
    }
}
