using Google.Apis.Json;
using Google.Apis.Util.Store;

namespace ShawBot.Infrastructure.Auth;

/// <summary>
/// Google.Apis <see cref="IDataStore"/> that keeps each entry (the OAuth token response with the refresh
/// token) in its own JSON file readable by the owner only: folder 0700, files 0600, written to a temporary
/// file and renamed so a crash never leaves half a token. Contents are never logged.
/// </summary>
public sealed class SecureFileDataStore : IDataStore
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public SecureFileDataStore(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Folder = Path.GetFullPath(folder);
    }

    public string Folder { get; }

    /// <summary>The file that holds <paramref name="key"/> of type <typeparamref name="T"/>.</summary>
    public string PathFor<T>(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var safe = string.Concat(key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return Path.Combine(Folder, $"{typeof(T).FullName}-{safe}.json");
    }

    public async Task StoreAsync<T>(string key, T value)
    {
        EnsureFolder();
        var path = PathFor<T>(key);
        var temporary = path + ".tmp";
        var json = NewtonsoftJsonSerializer.Instance.Serialize(value);
        var options = new FileStreamOptions { Mode = System.IO.FileMode.Create, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        var stream = new FileStream(temporary, options);
        await using (stream.ConfigureAwait(false))
        {
            var writer = new StreamWriter(stream);
            await using (writer.ConfigureAwait(false))
            {
                await writer.WriteAsync(json).ConfigureAwait(false);
            }
        }

        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode applies only when the file is created; tighten an old temporary too.
            File.SetUnixFileMode(temporary, FileMode);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public Task DeleteAsync<T>(string key)
    {
        File.Delete(PathFor<T>(key));
        return Task.CompletedTask;
    }

    public async Task<T> GetAsync<T>(string key)
    {
        var path = PathFor<T>(key);
        if (!File.Exists(path))
        {
            return default!;
        }

        var json = await File.ReadAllTextAsync(path).ConfigureAwait(false);
        return NewtonsoftJsonSerializer.Instance.Deserialize<T>(json);
    }

    public Task ClearAsync()
    {
        if (Directory.Exists(Folder))
        {
            foreach (var file in Directory.EnumerateFiles(Folder, "*.json"))
            {
                File.Delete(file);
            }
        }

        return Task.CompletedTask;
    }

    private void EnsureFolder()
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Folder);
        }
        else
        {
            Directory.CreateDirectory(Folder, FolderMode);
        }
    }
}
