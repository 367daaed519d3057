namespace FaceWeb.Server;

/// <summary>HTTP hardening: security headers on every response, and Blazor's hub (its websocket) only for pages served
/// by this server or origins listed in <c>FaceWeb:AllowedOrigins</c>. Host names are limited by <c>AllowedHosts</c>
/// (loopback by default, appsettings.json) and Kestrel sends no Server header (<see cref="Extensions.AddFaceWeb"/>).</summary>
public static class Hardening
{
    /// <summary>Fits Blazor Server and MudBlazor: scripts only from this server, inline styles (MudBlazor sets them),
    /// images from this server and data: URLs (frames are PNG data URLs), the websocket to this server.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseFaceWebHardening(this WebApplication app)
    {
        var allowed = (app.Configuration["FaceWeb:AllowedOrigins"] ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FaceWeb.Hardening");
        return app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            if (context.Request.Path.StartsWithSegments("/_blazor") && context.Request.Headers.Origin is [{ } origin] && !SameOrigin(context, origin) && !allowed.Contains(origin))
            {
                log.LogWarning("Refused a connection to the app's hub from origin {Origin} (host {Host})", origin, context.Request.Host.Value);
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            }
            await next(context);
        });
    }

    static bool SameOrigin(HttpContext context, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var o) && string.Equals(o.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
