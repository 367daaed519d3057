using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FaceWeb.Server.Tests;

/// <summary>The PostgreSQL the database tests run against: <c>FACEWEB_POSTGRES</c> when set (.ci/run sets it), else a
/// private server this test run starts itself from Debian's <c>postgresql</c> package when it is installed (a throw-away
/// cluster in a temporary folder, on a free loopback port, stopped when the run ends), else none: the tests skip and say
/// what to install, or fail when <c>FACEWEB_REQUIRE_POSTGRES=1</c>.</summary>
static class PostgresServer
{
    static readonly Lazy<(string? Connection, string? Missing)> server = new(Start);

    /// <summary>A connection string, or a skip (a failure when PostgreSQL is required).</summary>
    public static string Connection()
    {
        var (connection, missing) = server.Value;
        if (connection is not null) return connection;
        if (Environment.GetEnvironmentVariable("FACEWEB_REQUIRE_POSTGRES") == "1") throw new InvalidOperationException(missing);
        Assert.Skip(missing!);
        return "";
    }

    static (string?, string?) Start()
    {
        if (Environment.GetEnvironmentVariable("FACEWEB_POSTGRES") is { Length: > 0 } given) return (given, null);
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderByDescending(b => b, StringComparer.Ordinal).FirstOrDefault()
            : null;
        if (bin is null) return (null, "PostgreSQL is not installed (apt-get install postgresql) and FACEWEB_POSTGRES is not set");

        // initdb refuses to run as root: then the cluster belongs to the package's postgres user.
        bool root = Environment.UserName == "root";
        string dir = Directory.CreateTempSubdirectory("faceweb-pg-").FullName;
        if (root) Run("chown", "postgres", dir);
        int port = FreePort();
        Run(root, Path.Combine(bin, "initdb"), "-D", Path.Combine(dir, "data"), "-U", "faceweb", "--auth=trust", "-E", "UTF8", "--no-sync");
        Run(root, Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(dir, "data"), "-l", Path.Combine(dir, "log"), "-w",
            "-o", $"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Run(root, Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(dir, "data"), "-m", "immediate", "stop"); Directory.Delete(dir, true); }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException) { }
        };
        return ($"Host=127.0.0.1;Port={port};Username=faceweb;Database=postgres", null);
    }

    static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    static void Run(bool asPostgres, string file, params string[] args) =>
        Run(asPostgres ? "runuser" : file, asPostgres ? ["-u", "postgres", "--", file, .. args] : args);

    static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {err.Result}");
    }
}
