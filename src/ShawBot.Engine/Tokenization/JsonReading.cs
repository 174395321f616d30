using System.Text.Json;

namespace ShawBot.Engine.Tokenization;

/// <summary>Typed accessors over JsonElement that throw <see cref="TokenizerFormatException"/> naming the JSON path.</summary>
internal static class JsonReading
{
    public static JsonElement RequireObject(JsonElement parent, string name, string path, string field)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Object)
        {
            throw new TokenizerFormatException(path, field, "missing or not an object");
        }

        return value;
    }

    /// <summary>The property, or null when it is absent or JSON null.</summary>
    public static JsonElement? Optional(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static string RequireString(JsonElement parent, string name, string path, string field) =>
        OptionalString(parent, name, path, field) ?? throw new TokenizerFormatException(path, field, "missing string");

    public static string? OptionalString(JsonElement parent, string name, string path, string field)
    {
        if (Optional(parent, name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new TokenizerFormatException(path, field, "expected a string");
    }

    public static bool Bool(JsonElement parent, string name, bool fallback, string path, string field)
    {
        if (Optional(parent, name) is not { } value)
        {
            return fallback;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new TokenizerFormatException(path, field, "expected true or false"),
        };
    }

    public static int Int(JsonElement parent, string name, int fallback, string path, string field)
    {
        if (Optional(parent, name) is not { } value)
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result)
            ? result
            : throw new TokenizerFormatException(path, field, "expected a 32-bit integer");
    }

    public static JsonElement.ArrayEnumerator Array(JsonElement parent, string name, string path, string field)
    {
        if (Optional(parent, name) is not { ValueKind: JsonValueKind.Array } value)
        {
            throw new TokenizerFormatException(path, field, "missing or not an array");
        }

        return value.EnumerateArray();
    }

    /// <summary>One added token: {"content", "single_word", "lstrip", "rstrip", "normalized", "special"}.</summary>
    public static AddedToken ReadAddedToken(JsonElement element, int id, string path, string field) =>
        new(
            id,
            RequireString(element, "content", path, field + ".content"),
            Bool(element, "special", false, path, field + ".special"),
            Bool(element, "lstrip", false, path, field + ".lstrip"),
            Bool(element, "rstrip", false, path, field + ".rstrip"),
            Bool(element, "single_word", false, path, field + ".single_word"),
            Bool(element, "normalized", false, path, field + ".normalized"));
}
