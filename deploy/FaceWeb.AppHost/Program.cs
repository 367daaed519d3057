// FaceWeb scaled out on one machine as an Aspire app host: the topology of deploy/local.sh (Redis, a private
// PostgreSQL, two engine silos, two web front-ends, the YARP balancer) on loopback ports, with Aspire's dashboard for
// their logs and state. Redis and PostgreSQL are Debian's programs run as executables, so no container runtime is needed.
//   dotnet run --project deploy/FaceWeb.AppHost      # FaceWeb on http://127.0.0.1:5100, the dashboard on :15100
// Settings (command line or environment): FaceWeb:State (the database and logs; default /tmp/faceweb-apphost),
// FaceWeb:BasePort (default 5100, ports as in docs/deploy.md), FaceWeb:Pack (passed to every silo and front-end).
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

var builder = DistributedApplication.CreateBuilder(args);
var config = builder.Configuration;
string state = Path.GetFullPath(config["FaceWeb:State"] ?? Path.Combine(Path.GetTempPath(), "faceweb-apphost"));
int basePort = int.Parse(config["FaceWeb:BasePort"] ?? "5100"), offset = basePort - 5100;
int redisPort = basePort + 10, postgresPort = basePort + 11;
string deploy = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
Directory.CreateDirectory(state);

builder.Services.AddHealthChecks()
    .AddAsyncCheck("redis-port", ct => Listening(redisPort, ct))
    .AddAsyncCheck("postgres-port", ct => Listening(postgresPort, ct));
var redis = builder.AddExecutable("redis", "redis-server", state,
        "--port", $"{redisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
    .WithHealthCheck("redis-port");
var postgres = builder.AddExecutable("postgres", Path.Combine(deploy, "postgres.sh"), deploy, state, $"{postgresPort}")
    .WithHealthCheck("postgres-port");
string database = $"Host=127.0.0.1;Port={postgresPort};Username=faceweb;Database=postgres";

IResourceBuilder<ProjectResource> Server(string name, string role, int port) =>
    builder.AddProject<Projects.FaceWeb_Server>(name, launchProfileName: null)
        .WithHttpEndpoint(port: port, isProxied: false)
        .WithHttpHealthCheck("/healthz")
        .WithEnvironment("FaceWeb__Role", role)
        .WithEnvironment("FaceWeb__Pack", config["FaceWeb:Pack"] ?? "")
        .WithEnvironment("FaceWeb__Data", Path.Combine(state, name))
        .WithEnvironment("FaceWeb__Cluster__Name", name)
        .WithEnvironment("FaceWeb__Cluster__ClusterId", Text($"apphost{basePort}"))
        .WithEnvironment("FaceWeb__Cluster__Redis", Text($"127.0.0.1:{redisPort}"))
        .WithEnvironment("ConnectionStrings__Postgres", database);

var engines = Enumerable.Range(1, 2).Select(i => Server($"engine{i}", "engine", basePort + 20 + i)
        .WithEnvironment("FaceWeb__Cluster__SiloPort", Text($"{11110 + offset + i}"))
        .WithEnvironment("FaceWeb__Cluster__GatewayPort", Text($"{29999 + offset + i}"))
        .WaitFor(redis).WaitFor(postgres)).ToList();
var webs = Enumerable.Range(1, 2).Select(i =>
{
    var web = Server($"web{i}", "web", basePort + i).WaitFor(redis).WaitFor(postgres);
    foreach (var engine in engines) web.WaitFor(engine);
    return web;
}).ToList();
var balancer = Server("balancer", "balancer", basePort)
    .WithEnvironment("FaceWeb__Cluster__FrontEnds__0", Text($"http://127.0.0.1:{basePort + 1}"))
    .WithEnvironment("FaceWeb__Cluster__FrontEnds__1", Text($"http://127.0.0.1:{basePort + 2}"));
foreach (var web in webs) balancer.WaitFor(web);

builder.Build().Run();

// A plain string (an interpolated one would be taken for an Aspire reference expression).
static string Text(string value) => value;

// Healthy once something accepts TCP connections on the loopback port.
static async Task<HealthCheckResult> Listening(int port, CancellationToken ct)
{
    using var client = new TcpClient();
    try { await client.ConnectAsync("127.0.0.1", port, ct); return HealthCheckResult.Healthy(); }
    catch (SocketException e) { return HealthCheckResult.Unhealthy($"port {port}: {e.SocketErrorCode}"); }
}
