using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace ShawBot.Infrastructure.Tests.Support;

/// <summary>
/// A throw-away PostgreSQL server for the test assembly: <c>initdb</c> into a temporary folder and <c>pg_ctl start</c>
/// listening on 127.0.0.1 at a free port (its socket in the same folder, fsync off), stopped and deleted on dispose.
/// Shared by every test class in the <see cref="PostgresCollection"/>, so it starts once per test run; each test gets
/// its own database from <see cref="CreateDatabase"/>. PostgreSQL refuses to run as root, so under root (CI) the
/// server runs as the <c>postgres</c> user through <c>runuser</c>. Missing binaries fail the tests with what to install.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private const string User = "shawbot";
    private readonly string _root;
    private readonly string _data;
    private readonly string _bin;
    private readonly bool _asPostgres;
    private int _databases;

    public PostgresServer()
    {
        _bin = FindBinaries();
        _asPostgres = Environment.UserName == "root";
        _root = Path.Combine(Path.GetTempPath(), "shawbot-pg-" + Guid.NewGuid().ToString("N")[..12]);
        _data = Path.Combine(_root, "data");
        Directory.CreateDirectory(_root);
        if (_asPostgres)
        {
            Run("chown", ["-R", "postgres:postgres", _root], asPostgres: false);
        }

        Port = FreePort();
        Run(Path.Combine(_bin, "initdb"), ["-D", _data, "-U", User, "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"], _asPostgres);
        Run(Path.Combine(_bin, "pg_ctl"), [
            "-D", _data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "start",
            "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -c unix_socket_directories={_root} -c fsync=off -c max_connections=200",
        ], _asPostgres);
    }

    public int Port { get; }

    /// <summary>A new empty database on the server; returns its connection string.</summary>
    public string CreateDatabase()
    {
        var name = $"t{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..8]}";
        using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name};", connection);
            command.ExecuteNonQuery();
        }

        return ConnectionString(name);
    }

    private string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = User, Database = database, Pooling = true }.ToString();

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            Run(Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-m", "immediate", "-w", "stop"], _asPostgres);
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>The newest /usr/lib/postgresql/N/bin (Debian), else the folder of initdb on PATH.</summary>
    private static string FindBinaries()
    {
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0).FirstOrDefault()
            : null;
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .FirstOrDefault(p => p.Length > 0 && File.Exists(Path.Combine(p, "initdb")) && File.Exists(Path.Combine(p, "pg_ctl")));
        return debian ?? onPath ?? throw new InvalidOperationException(
            "The PostgreSQL tests need the server binaries (initdb, pg_ctl), found neither under /usr/lib/postgresql/*/bin nor on PATH: " +
            "install postgresql (Debian: apt-get install -y postgresql; .ci/run does this).");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void Run(string file, IReadOnlyList<string> arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error.Result}{output.Result}");
        }
    }
}

/// <summary>Every PostgreSQL test class joins this collection: one server for all of them.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "Postgres";
}
