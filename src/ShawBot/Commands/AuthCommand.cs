using System.CommandLine;
using ShawBot.Infrastructure.Auth;

namespace ShawBot.Cli.Commands;

/// <summary>`shawbot auth youtube`: the one-time OAuth consent for the channel; stores the refresh token (file mode 0600).</summary>
internal static class AuthCommand
{
    public static Command Create()
    {
        var secrets = new Option<FileInfo>("--client-secrets")
        {
            Description = "OAuth client JSON (Google Cloud console → APIs & Services → Credentials → Desktop app → Download JSON)",
            Required = true,
        };
        var tokenDir = new Option<DirectoryInfo>("--token-dir")
        {
            Description = "where the refresh token is kept (ShawBot:YouTube:TokenDirectory)",
            DefaultValueFactory = _ => new DirectoryInfo("secrets"),
        };
        var youtube = new Command("youtube", "Sign in as the channel owner in a browser (loopback redirect) and store the refresh token.")
        {
            secrets, tokenDir,
        };
        youtube.SetAction((pr, ct) => CommonOptions.Guard(async () =>
        {
            var file = pr.GetValue(secrets)!;
            if (!file.Exists) throw new FileNotFoundException($"client secrets file {file.FullName} not found");
            var dir = pr.GetValue(tokenDir)!.FullName;
            Console.WriteLine("Opening the Google consent page; if no browser opens, copy the address it prints.");
            var credential = await YouTubeCredentials.AuthorizeInteractiveAsync(file.FullName, dir, ct);
            // The token itself is never printed.
            Console.WriteLine(credential.Token.RefreshToken is { Length: > 0 }
                ? $"Signed in. Refresh token stored in {dir} (readable by you only). Set ShawBot:YouTube:ClientSecretsPath={file.FullName}."
                : "Signed in, but Google returned no refresh token: remove the app's access at myaccount.google.com/permissions and run this again.");
            return 0;
        }));
        return new Command("auth", "Sign-ins the service needs.") { youtube };
    }
}
