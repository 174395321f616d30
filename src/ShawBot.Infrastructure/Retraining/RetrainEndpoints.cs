using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ShawBot.Core.Ports;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// The local admin API that `shawbot retrain` and `shawbot adapters` use against a running
/// instance: POST /api/retrain, GET /api/adapters, POST /api/adapters/rollback,
/// POST /api/adapters/activate/{version}. Map it on the Kestrel host that serves the web page
/// (bound to loopback).
/// </summary>
public static class RetrainEndpoints
{
    public const string RetrainPath = "/api/retrain";

    public static IEndpointRouteBuilder MapShawBotRetrainApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(RetrainPath, async (IRetrainTrigger trigger, HttpContext http) =>
        {
            var r = await trigger.TriggerRetrainAsync(RequestedBy(http), http.RequestAborted).ConfigureAwait(false);
            return Results.Json(r, statusCode: r.Accepted ? StatusCodes.Status202Accepted : StatusCodes.Status409Conflict);
        });
        endpoints.MapGet("/api/adapters", (AdapterRegistry registry) => Results.Json(new
        {
            active = registry.ActiveVersion,
            versions = registry.List().Select(v => v.Metadata),
        }));
        endpoints.MapPost("/api/adapters/rollback", async (IAdapterAdmin admin, HttpContext http) =>
        {
            var r = await admin.RollbackAsync(RequestedBy(http), http.RequestAborted).ConfigureAwait(false);
            return Results.Json(r, statusCode: r.Accepted ? StatusCodes.Status200OK : StatusCodes.Status409Conflict);
        });
        endpoints.MapPost("/api/adapters/activate/{version}", (string version, RegistryAdapterAdmin admin, HttpContext http) =>
        {
            var r = admin.Activate(version == "base" ? null : version, RequestedBy(http), "activated through the admin API");
            return Results.Json(r, statusCode: r.Accepted ? StatusCodes.Status200OK : StatusCodes.Status404NotFound);
        });
        return endpoints;
    }

    private static string RequestedBy(HttpContext http) =>
        http.Request.Headers.TryGetValue("X-ShawBot-User", out var who) && who.ToString() is { Length: > 0 and <= 100 } name ? name : "api";
}
