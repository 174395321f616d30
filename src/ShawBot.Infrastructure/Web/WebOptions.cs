using System.ComponentModel.DataAnnotations;
using System.Net;

namespace ShawBot.Infrastructure.Web;

/// <summary>The local moderation web page (section "ShawBot:Web").</summary>
public sealed class WebOptions : IValidatableObject
{
    public const string Section = "ShawBot:Web";

    /// <summary>Serve the page and register it as a moderation channel.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>IP address to listen on; loopback by default so only this machine can reach it.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (printed on start).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 5080;

    /// <summary>
    /// When set, every request needs it: once as <c>/?token=…</c> (the page then keeps it in an HttpOnly cookie),
    /// or as <c>Authorization: Bearer …</c>. Required when <see cref="Address"/> is not loopback.
    /// </summary>
    public string? AccessToken { get; set; }

    /// <summary>How many decided comments the history shows.</summary>
    [Range(1, 10_000)]
    public int HistoryLimit { get; set; } = 200;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(Address, out var ip))
        {
            yield return new ValidationResult($"ShawBot:Web:Address '{Address}' is not an IP address", [nameof(Address)]);
        }
        else if (!IPAddress.IsLoopback(ip) && string.IsNullOrEmpty(AccessToken))
        {
            yield return new ValidationResult(
                $"ShawBot:Web:Address {Address} is reachable from other machines: set ShawBot:Web:AccessToken (16+ characters) or listen on 127.0.0.1",
                [nameof(AccessToken)]);
        }

        if (AccessToken is { Length: > 0 and < 16 })
        {
            yield return new ValidationResult("ShawBot:Web:AccessToken must be at least 16 characters", [nameof(AccessToken)]);
        }
    }
}
