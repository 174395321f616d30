using Microsoft.Extensions.Configuration;
using ShawBot.Core;
using ShawBot.Core.Sources;
using ShawBot.Infrastructure.Discord.Moderation;
using ShawBot.Infrastructure.Web;

namespace ShawBot.Cli.Commands;

/// <summary>What `shawbot run` needs before it starts, each missing piece as one line saying how to fix it. Never echoes secret values.</summary>
internal static class RunPreflight
{
    public static IReadOnlyList<string> Check(IConfiguration c)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(c["ShawBot:Channel:ChannelId"]))
        {
            problems.Add("ShawBot:Channel:ChannelId is not set: your channel's id (UC…, YouTube Studio → Settings → Channel → Advanced).");
        }

        var model = c["ShawBot:Engine:ModelPath"];
        if (string.IsNullOrWhiteSpace(model))
        {
            problems.Add("ShawBot:Engine:ModelPath is not set (or pass --model DIR): a Hugging Face model folder, e.g. Mistral-7B-Instruct-v0.2.");
        }
        else if (!File.Exists(Path.Combine(model, "config.json")))
        {
            problems.Add($"ShawBot:Engine:ModelPath {model} has no config.json: point it at a Hugging Face model folder.");
        }

        if (string.Equals(c["ShawBot:YouTube:Auth"], "none", StringComparison.Ordinal))
        {
            // A loopback sandbox or stand-in (YouTubeOptions validates that BaseUri is loopback): no OAuth needed.
        }
        else if (c["ShawBot:YouTube:ClientSecretsPath"] is not { Length: > 0 } secrets)
        {
            problems.Add("ShawBot:YouTube:ClientSecretsPath is not set: the OAuth client JSON from Google Cloud (then run `shawbot auth youtube --client-secrets FILE`).");
        }
        else if (!File.Exists(secrets))
        {
            problems.Add($"ShawBot:YouTube:ClientSecretsPath {secrets} does not exist.");
        }
        else
        {
            // Each YouTube channel posts with its own token folder (ShawBot:Channels:N:TokenDirectory), else the global one.
            var global = c["ShawBot:YouTube:TokenDirectory"] ?? "secrets";
            var listed = c.BindOptions<SourcesOptions>(SourcesOptions.Section).Channels.Where(e => e.Platform == SourcePlatform.YouTube).ToList();
            foreach (var (folder, entry) in listed.Count == 0 ? [(global, (SourceEntryOptions?)null)] : listed.Select(e => (string.IsNullOrWhiteSpace(e.TokenDirectory) ? global : e.TokenDirectory.Trim(), (SourceEntryOptions?)e)))
            {
                if (!Directory.Exists(folder) || !Directory.EnumerateFiles(folder).Any())
                {
                    problems.Add(entry is null || string.IsNullOrWhiteSpace(entry.TokenDirectory)
                        ? "No YouTube refresh token is stored: run `shawbot auth youtube --client-secrets FILE` once."
                        : $"No YouTube refresh token is stored for channel {entry.ChannelId} in {folder}: run `shawbot auth youtube --client-secrets FILE --token-dir {folder}` signed in as that channel.");
                }
            }
        }

        if (!c.BindOptions<DiscordModerationOptions>(DiscordModerationOptions.Section).IsConfigured && !c.BindOptions<WebOptions>(WebOptions.Section).Enabled)
        {
            problems.Add("No moderation channel: set ShawBot:Discord:BotToken (and its ApplicationId, GuildId, ChannelId, ModeratorUserIds) or leave ShawBot:Web:Enabled on.");
        }

        return problems;
    }
}
