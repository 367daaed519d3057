using System.Globalization;
using FaceWeb.Components.Services;

namespace FaceWeb.Components.Create;

/// <summary>One source, one prompt pair, every applicable method side by side; any cell can be re-run with another
/// value of its parameter; the grid downloads as a captioned PNG.</summary>
public partial class ComparePage
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    CreateCapabilities? caps;
    long seed;
    string neutral = "a face", target = "";
    int steps = 60;
    bool running;
    string? error, export;
    readonly List<CompareResult> cells = [];
    CancellationTokenSource? job;
    readonly CancellationTokenSource lifetime = new();

    string? rerunFor;
    double rerunValue;
    CompareRequest? last;

    protected override async Task OnInitializedAsync() => caps = await Create.GetCapabilitiesAsync(lifetime.Token);

    static string? Parameter(string method) => method switch
    {
        "global direction" or "InterFaceGAN" => "α",
        "mapper" => "strength",
        "StyleCLIP optimisation" or "TediGAN optimisation" => "steps",
        _ => null,
    };

    void StartRerun(string method)
    {
        rerunFor = method;
        rerunValue = Parameter(method) switch { "α" => last?.Alpha ?? 3, "strength" => last?.Strength ?? 1, _ => last?.Steps ?? steps };
    }

    /// <summary>Runs one method again with the new value and puts the result in its cell.</summary>
    async Task Rerun(string method)
    {
        if (last is null) return;
        var request = Parameter(method) switch
        {
            "α" => last with { Only = method, Alpha = Math.Clamp(rerunValue, -Inputs.MaxAlpha, Inputs.MaxAlpha) },
            "strength" => last with { Only = method, Strength = Math.Clamp(rerunValue, -Inputs.MaxStrength, Inputs.MaxStrength) },
            _ => last with { Only = method, Steps = (int)Math.Clamp(rerunValue, 1, 1000) },
        };
        job = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        (running, error) = (true, null);
        try
        {
            await foreach (var c in Create.CompareAsync(request, job.Token))
            {
                int i = cells.FindIndex(x => x.Method == c.Method);
                if (i >= 0) cells[i] = c; else cells.Add(c);
            }
            rerunFor = null;
            export = "data:image/png;base64," + Convert.ToBase64String(await Create.ExportCompareAsync(cells, job.Token));
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { error = e.Message; }
        finally { running = false; }
    }

    async Task Run()
    {
        if (target.Trim() == "") { error = "Type a target prompt."; return; }
        job = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        (running, error, export) = (true, null, null);
        cells.Clear();
        try
        {
            last = new CompareRequest(seed, neutral, target.Trim(), steps);
            await foreach (var c in Create.CompareAsync(last, job.Token))
            {
                cells.Add(c);
                await InvokeAsync(StateHasChanged);
            }
            if (cells.Count > 0) export = "data:image/png;base64," + Convert.ToBase64String(await Create.ExportCompareAsync(cells, job.Token));
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { error = e.Message; }
        finally { running = false; }
    }

    public void Dispose()
    {
        lifetime.Cancel();
        lifetime.Dispose();
    }
}
