using System.Net;

namespace ShawBot.Infrastructure.Discord.Rest;

/// <summary>A REST call that Discord answered with an error that retrying will not fix (or retries ran out).</summary>
public sealed class DiscordRestException : Exception
{
    public DiscordRestException(string route, HttpStatusCode status, int? code, string? body)
        : base($"Discord {route} failed with {(int)status} {status}{(code is null ? "" : $" (code {code})")}: {Truncate(body)}")
    {
        Route = route;
        Status = status;
        Code = code;
    }

    /// <summary>The route template (never a path with tokens).</summary>
    public string Route { get; }

    public HttpStatusCode Status { get; }

    /// <summary>Discord's JSON error code, e.g. 10062 Unknown interaction.</summary>
    public int? Code { get; }

    private static string Truncate(string? body) =>
        body is null ? "" : body.Length <= 300 ? body : body[..300] + "…";
}
