using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ShawBot.Infrastructure.Web;

/// <summary>
/// The optional access token: <c>/?token=…</c> once (stored in an HttpOnly, SameSite=Strict cookie and
/// dropped from the address bar), then the cookie, or <c>Authorization: Bearer …</c> for scripts.
/// </summary>
internal static class WebAccessToken
{
    public const string Cookie = "shawbot_token";

    public static async Task InvokeAsync(HttpContext context, string token, RequestDelegate next)
    {
        var query = context.Request.Query["token"].ToString();
        if (query.Length > 0 && Matches(query, token))
        {
            context.Response.Cookies.Append(Cookie, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                IsEssential = true,
                Path = "/",
            });
            context.Response.Redirect(context.Request.PathBase + context.Request.Path);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..]
            : context.Request.Cookies[Cookie];
        if (presented is { Length: > 0 } && Matches(presented, token))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(
            "ShawBot: this page needs its access token. Open /?token=YOUR_TOKEN (ShawBot:Web:AccessToken) once.\n",
            context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Constant-time comparison, so response timing does not leak the token's prefix.</summary>
    private static bool Matches(string presented, string token) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token));
}
