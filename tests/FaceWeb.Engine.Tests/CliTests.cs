using System.Diagnostics;
using FaceWeb.Engine.Checkpoints;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>Runs the built `faceweb` (FaceWeb.Cli) as a separate process.</summary>
public sealed class CliTests : IDisposable
{
    readonly string tmp = Directory.CreateTempSubdirectory("faceweb-cli-").FullName;

    public void Dispose() => Directory.Delete(tmp, recursive: true);

    static (int Code, string Out, string Err) Faceweb(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "faceweb.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Render_reproduces_img_wplus_from_the_fixture_wplus()
    {
        using var io = CheckpointReader.Load(Fixtures.File("stylegan2", "io.safetensors"));
        string input = Path.Combine(tmp, "in.safetensors"), output = Path.Combine(tmp, "out.safetensors");
        SafeTensors.Save(input, new Dictionary<string, Tensor> { ["wplus"] = io["wplus"] });
        var (code, _, err) = Faceweb("render", "--checkpoint", Fixtures.File("stylegan2", "generator.pt"), "--input", input, "--out", output);
        Assert.True(code == 0, err);
        using var result = CheckpointReader.Load(output);
        Fixtures.AssertClose(io["img_wplus"], result["image"], "image via CLI");
    }

    [Fact]
    public void Bad_input_exits_2_with_one_line_error()
    {
        string input = Path.Combine(tmp, "wide.safetensors");
        SafeTensors.Save(input, new Dictionary<string, Tensor> { ["w"] = zeros(1, 512) });
        var (code, _, err) = Faceweb("render", "--checkpoint", Fixtures.File("stylegan2", "generator.pt"), "--input", input, "--out", Path.Combine(tmp, "o.safetensors"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains("[N,64]", err);
        Assert.Single(err.Trim().Split('\n'));

        var missing = Faceweb("render", "--checkpoint", Path.Combine(tmp, "nope.pt"), "--input", input, "--out", Path.Combine(tmp, "o.safetensors"));
        Assert.Equal(2, missing.Code);
        Assert.Contains("file not found", missing.Err);
    }

    [Fact]
    public void Generate_writes_one_png_per_seed_and_a_grid()
    {
        string dir = Path.Combine(tmp, "gen");
        var (code, _, err) = Faceweb("generate", "--checkpoint", Fixtures.File("stylegan2", "generator.safetensors"), "--seeds", "0-2,7", "--out", dir);
        Assert.True(code == 0, err);
        Assert.Equal(["grid.png", "seed0000.png", "seed0001.png", "seed0002.png", "seed0007.png"],
            Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(dir, "grid.png"))[..4]);
    }
}
