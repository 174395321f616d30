using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ShawBot.Core.Domain;

namespace ShawBot.Infrastructure.Web;

/// <summary>Parses the body of POST /api/drafts/{id}/decision, with a reason for each way it can be wrong.</summary>
internal static class DecisionBody
{
    /// <summary>Bodies beyond this are refused before parsing (a reply is at most 10,000 characters).</summary>
    public const int MaxBytes = 256 * 1024;

    private static readonly string Kinds = string.Join(", ", Enum.GetNames<DecisionKind>());

    /// <summary>The request, or null with a one-line reason.</summary>
    public static async Task<(DecisionRequest? Request, string? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            return (null, $"body too large: at most {MaxBytes} bytes");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return (null, $"body is not JSON: {e.Message}");
        }

        using (document)
        {
            return Parse(document.RootElement);
        }
    }

    public static (DecisionRequest? Request, string? Error) Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, $"body must be a JSON object {{\"kind\":…}}, got {root.ValueKind}");
        }

        if (!TryProperty(root, "kind", out var kindElement) || kindElement.ValueKind != JsonValueKind.String)
        {
            return (null, $"\"kind\" is required: one of {Kinds}");
        }

        var kindText = kindElement.GetString()!;
        // Names only: Enum.TryParse would also take "1" or "0x2".
        var kind = Enum.GetValues<DecisionKind>().Cast<DecisionKind?>()
            .FirstOrDefault(k => string.Equals(k.ToString(), kindText, StringComparison.OrdinalIgnoreCase));
        if (kind is null)
        {
            return (null, $"unknown kind '{kindText}': expected one of {Kinds}");
        }

        if (!TryOptionalString(root, "text", out var text) || !TryOptionalString(root, "moderator", out var moderator))
        {
            return (null, "\"text\" and \"moderator\" must be strings when given");
        }

        return (new DecisionRequest(kind.Value, text, moderator), null);
    }

    private static bool TryProperty(JsonElement root, string name, out JsonElement value)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static bool TryOptionalString(JsonElement root, string name, out string? value)
    {
        value = null;
        if (!TryProperty(root, name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = element.GetString();
        return true;
    }
}
