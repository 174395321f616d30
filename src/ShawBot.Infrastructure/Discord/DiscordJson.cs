using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ShawBot.Infrastructure.Discord;

/// <summary>
/// The one <see cref="JsonSerializerOptions"/> used for Discord payloads: snake_case field names,
/// nulls omitted on write (Discord treats an explicit null as "clear this field"), and snowflakes
/// (<see cref="ulong"/>) written and read as JSON strings as the API sends them.
/// </summary>
public static class DiscordJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNameCaseInsensitive = false,
        };
        options.Converters.Add(new SnowflakeConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Discord ids are 64-bit and exceed JavaScript's safe integers, so the API sends them as strings.</summary>
    private sealed class SnowflakeConverter : JsonConverter<ulong>
    {
        public override ulong Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number)
                return reader.GetUInt64();
            if (reader.TokenType != JsonTokenType.String)
                throw new JsonException($"Expected a snowflake string, got {reader.TokenType}.");
            ReadOnlySpan<byte> raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
            if (!Utf8Parser.TryParse(raw, out ulong value, out int consumed) || consumed != raw.Length)
                throw new JsonException("Invalid snowflake.");
            return value;
        }

        public override void Write(Utf8JsonWriter writer, ulong value, JsonSerializerOptions options)
        {
            Span<byte> buffer = stackalloc byte[20];
            Utf8Formatter.TryFormat(value, buffer, out int written);
            writer.WriteStringValue(buffer[..written]);
        }
    }
}
