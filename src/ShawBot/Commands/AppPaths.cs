namespace ShawBot.Cli.Commands;

/// <summary>Finds files that ship with shawbot: in the working folder, beside the executable, or in the repository it was built from.</summary>
internal static class AppPaths
{
    /// <summary>The first existing <paramref name="relative"/> path (file or folder), else the working-folder one.</summary>
    public static string Find(string relative)
    {
        foreach (var root in Roots())
        {
            var candidate = Path.Combine(root, relative);
            if (File.Exists(candidate) || Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.GetFullPath(relative);
    }

    private static IEnumerable<string> Roots()
    {
        yield return Environment.CurrentDirectory;
        yield return AppContext.BaseDirectory;
        // `dotnet run` from a checkout: src/ShawBot/bin/<config>/net10.0/ → the folder holding ShawBot.sln.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ShawBot.sln")))
            {
                yield return dir.FullName;
                yield break;
            }
        }
    }
}
