using Yarp.ReverseProxy.Configuration;

namespace FaceWeb.Server.Cluster;

/// <summary>The <c>balancer</c> role: YARP in front of the web front-ends (FaceWeb:Cluster:FrontEnds). A browser stays on
/// one front-end (a Blazor circuit lives there) by an affinity cookie; a front-end that stops answering its health
/// check or a connection is taken out, and its browsers are sent to another, where their page reloads with their
/// session and rooms from the database.</summary>
public static class Balancer
{
    public const string AffinityCookie = "faceweb-frontend";

    public static WebApplicationBuilder AddBalancer(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new();
        if (settings.FrontEnds.Length == 0) throw new ArgumentException("FaceWeb:Cluster:FrontEnds lists no web front-end for the balancer.");
        var cluster = new ClusterConfig
        {
            ClusterId = "web",
            SessionAffinity = new SessionAffinityConfig
            {
                Enabled = true, Policy = "HashCookie", FailurePolicy = "Redistribute", AffinityKeyName = AffinityCookie,
                Cookie = new SessionAffinityCookieConfig { HttpOnly = true, SameSite = SameSiteMode.Strict },
            },
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true, Interval = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(1), Policy = "ConsecutiveFailures", Path = "/healthz",
                },
                Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = "TransportFailureRate", ReactivationPeriod = TimeSpan.FromSeconds(10) },
            },
            Destinations = settings.FrontEnds.Select((url, i) => (url, i)).ToDictionary(d => $"web{d.i + 1}", d => new DestinationConfig { Address = d.url }),
        };
        // The original Host goes through, so a front-end sees the address the browser used (its hub accepts only its own
        // origin, Hardening) and AllowedHosts applies to it.
        var route = new RouteConfig
        {
            RouteId = "all", ClusterId = "web", Match = new RouteMatch { Path = "{**rest}" },
            Transforms = [new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" }],
        };
        builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]);
        return builder;
    }
}
