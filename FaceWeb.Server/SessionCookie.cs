
namespace FaceWeb.Server;

/// <summary>The browser's session key: 128 random bits in an HttpOnly, SameSite=Strict cookie, set on the first page a
/// browser opens. The server stores only its SHA-256 (<see cref="SessionLatentStore"/>); the page hands the key to its
/// circuit inside Blazor's protected component state (App.razor → Routes).</summary>
public static class SessionCookie
{
    public const string Name = "faceweb-session";

    static bool Valid(string? key) => key is { Length: 22 } && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static IApplicationBuilder UseSessionCookie(this WebApplication app) => app.Use(async (context, next) =>
    {
        if (HttpMethods.IsGet(context.Request.Method) && !context.Request.Path.StartsWithSegments("/_framework")
            && !context.Request.Path.StartsWithSegments("/_content") && !context.Request.Path.StartsWithSegments("/_blazor"))
        {
            string? key = context.Request.Cookies[Name];
            if (!Valid(key))
            {
                key = Secrets.NewToken();
                context.Response.Cookies.Append(Name, key, new CookieOptions
                {
                    HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, IsEssential = true,
                    MaxAge = TimeSpan.FromDays(365), Path = "/",
                });
            }
            context.Items[Name] = key;
        }
        await next(context);
    });

    /// <summary>The request's session key (set or read by the middleware), or null.</summary>
    public static string? Key(HttpContext? context) => context?.Items[Name] as string;
}
