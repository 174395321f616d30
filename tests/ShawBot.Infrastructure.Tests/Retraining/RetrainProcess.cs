using System.Diagnostics;

namespace ShawBot.Infrastructure.Tests.Retraining;

/// <summary>tests/ShawBot.RetrainHost as a child process that the crash test kills.</summary>
public sealed class RetrainProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private RetrainProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static RetrainProcess Start(string root, int? maxSteps = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { HostDll(), "--root", root }) start.ArgumentList.Add(argument);
        if (maxSteps is { } steps)
        {
            start.ArgumentList.Add("--max-steps");
            start.ArgumentList.Add(steps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        start.Environment["DOTNET_TieredPGO"] = "0";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the retrain host");
        var wrapper = new RetrainProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to end by itself.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit();            // drains the redirected output
        return true;
    }

    /// <summary>SIGKILL, no graceful stop.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public string Output()
    {
        lock (_lines) return string.Join(Environment.NewLine, _lines.TakeLast(40));
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_lines) _lines.Add(line);
    }

    private static string HostDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tests = here.Parent!.Parent!.Parent!.Parent!;       // tests/ (bin/<Configuration>/<framework>/)
        var dll = Path.Combine(tests.FullName, "ShawBot.RetrainHost", "bin", here.Parent.Name, here.Name, "ShawBot.RetrainHost.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("build tests/ShawBot.RetrainHost first", dll);
    }
}
