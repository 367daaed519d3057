using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FaceWeb.Server.Tests;

/// <summary>The app on the default pack with its own data folder (a temporary one, deleted afterwards), so tests never
/// write rooms or sessions into the developer's <c>FaceWeb.Server/data</c>.</summary>
public class TestApp : WebApplicationFactory<Program>
{
    public string Data { get; } = Directory.CreateTempSubdirectory("faceweb-test-").FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseSetting("FaceWeb:Data", Data);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) try { Directory.Delete(Data, true); } catch (IOException) { }
    }
}
