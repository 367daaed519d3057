namespace FaceWeb.Server.Cluster;

/// <summary>A web front-end remembers, in a cookie, which front-end served the browser's last page. A page served by a
/// different one (the balancer moved the browser because its front-end stopped) says so: the circuit and its running
/// jobs were lost with that server; rooms and kept faces are in the database and are all here.</summary>
public static class FrontEndCookie
{
    public const string Name = "faceweb-server";
    const string MovedKey = "faceweb-moved-from";

    public static IApplicationBuilder UseFrontEndCookie(this WebApplication app)
    {
        var self = app.Services.GetService<FrontEnd>();
        if (self is null) return app;                                                  // one process: nothing to say
        return app.Use(async (context, next) =>
        {
            if (HttpMethods.IsGet(context.Request.Method) && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal))
            {
                if (context.Request.Cookies[Name] is { Length: > 0 and <= 100 } last && last != self.Id) context.Items[MovedKey] = last;
                context.Response.Cookies.Append(Name, self.Id, new CookieOptions
                {
                    HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, IsEssential = true, Path = "/",
                });
            }
            await next(context);
        });
    }

    /// <summary>This front-end's name (null in one process).</summary>
    public static string? Self(HttpContext? context) => context?.RequestServices.GetService<FrontEnd>()?.Id;

    /// <summary>The front-end the browser's last page came from, when it was another one.</summary>
    public static string? MovedFrom(HttpContext? context) => context?.Items[MovedKey] as string;
}

/// <summary>What the layout says about the server: its name (scaled out) and the front-end the browser came from.</summary>
public sealed record ServerInfo(string? Server, string? MovedFrom);
