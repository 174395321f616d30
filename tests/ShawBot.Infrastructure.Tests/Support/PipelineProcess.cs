using System.Diagnostics;
using ShawBot.Core.Ports;

namespace ShawBot.Infrastructure.Tests.Support;

/// <summary>tests/ShawBot.PipelineHost as a child process that the crash test kills.</summary>
public sealed class PipelineProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    private PipelineProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    /// <param name="extra">More "--name value" arguments (the Discord settings).</param>
    public static PipelineProcess Start(string databasePath, Uri baseUri, string channelId, IEnumerable<string>? extra = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { HostDll(), "--db", databasePath, "--base-uri", baseUri.ToString(), "--channel", channelId }.Concat(extra ?? []))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_TieredPGO"] = "0";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the pipeline host");
        var wrapper = new PipelineProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>SIGKILL, no graceful stop.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit(10_000);
    }

    public string LastOutput()
    {
        lock (_lastLines)
        {
            return string.Join(Environment.NewLine, _lastLines);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 40)
            {
                _lastLines.Dequeue();
            }
        }
    }

    /// <summary>The host's build output beside this test assembly's (same configuration).</summary>
    private static string HostDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = here.Name;                 // net10.0
        var configuration = here.Parent!.Name;     // Release | Debug
        var tests = here.Parent.Parent!.Parent!.Parent!; // tests/
        var dll = Path.Combine(tests.FullName, "ShawBot.PipelineHost", "bin", configuration, framework, "ShawBot.PipelineHost.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("build tests/ShawBot.PipelineHost first", dll);
    }

    /// <summary>The store's non-zero state counts, "New=3, Posted=97", for the crash tests' progress lines.</summary>
    public static async Task<string> Describe(ICommentIngest store) =>
        string.Join(", ", (await store.CountByStateAsync(CancellationToken.None)).Where(p => p.Value > 0).Select(p => $"{p.Key}={p.Value}"));
}
