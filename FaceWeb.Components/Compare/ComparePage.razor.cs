using System.Globalization;
using FaceWeb.Components.Services;
using Microsoft.JSInterop;

namespace FaceWeb.Components.Compare;

/// <summary>One source, one prompt pair, every applicable method side by side; any cell can be re-run with another
/// value of its parameter; the grid is made into a captioned PNG when someone downloads it.</summary>
public partial class ComparePage
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    CreateCapabilities? caps;
    long seed;
    string neutral = "a face", target = "", mode = "edits";
    bool showMasks;
    int steps = 60;
    bool running, exporting;
    string? error;
    readonly List<CompareResult> cells = [];
    CancellationTokenSource? job;
    readonly CancellationTokenSource lifetime = new();

    string? rerunFor;
    double rerunValue;
    CompareRequest? last;

    protected override async Task OnInitializedAsync() => caps = await Create.GetCapabilitiesAsync(lifetime.Token);

    void StartRerun(CompareResult cell)
    {
        rerunFor = cell.Key;
        rerunValue = cell.KnobValue ?? cell.Knob switch { "α" => last?.Alpha ?? 1, "strength" => last?.Strength ?? 1, _ => last?.Steps ?? steps };
    }

    /// <summary>Runs one method again with the new value and puts the result in its cell.</summary>
    Task Rerun(CompareResult cell)
    {
        if (last is null) return Task.CompletedTask;
        var request = cell.Knob switch
        {
            "α" => last with { Only = cell.Key, Alpha = Math.Clamp(rerunValue, -Inputs.MaxAlpha, Inputs.MaxAlpha) },
            "strength" => last with { Only = cell.Key, Strength = Math.Clamp(rerunValue, -Inputs.MaxStrength, Inputs.MaxStrength) },
            _ => last with { Only = cell.Key, Steps = (int)Math.Clamp(rerunValue, 1, 1000) },
        };
        return Stream(request, c =>
        {
            int i = cells.FindIndex(x => x.Key == c.Key);
            if (i >= 0) cells[i] = c; else cells.Add(c);
        }, () => rerunFor = null);
    }

    Task Run()
    {
        if (target.Trim() == "") { error = mode == "text2face" ? "Type a caption." : "Type a target prompt."; return Task.CompletedTask; }
        cells.Clear();
        last = new CompareRequest(seed, neutral, target.Trim(), steps, Mode: mode);
        return Stream(last, cells.Add, () => { });
    }

    async Task Stream(CompareRequest request, Action<CompareResult> put, Action done)
    {
        job = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        (running, error) = (true, null);
        try
        {
            await foreach (var c in Create.CompareAsync(request, job.Token))
            {
                put(c);
                await InvokeAsync(StateHasChanged);
            }
            done();
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { error = e.Message; }
        finally { running = false; }
    }

    /// <summary>The captioned grid is made only now, when someone asks for it.</summary>
    async Task Download()
    {
        exporting = true;
        try
        {
            var png = await Create.ExportCompareAsync(cells, lifetime.Token);
            await using var module = await JS.InvokeAsync<IJSObjectReference>("import", lifetime.Token, "./_content/FaceWeb.Components/download.js");
            await module.InvokeVoidAsync("save", lifetime.Token, "faceweb-compare.png", Convert.ToBase64String(png), "image/png");
        }
        catch (OperationCanceledException) { }
        catch (JSDisconnectedException) { }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or JSException) { error = e.Message; }
        finally { exporting = false; }
    }

    public void Dispose()
    {
        lifetime.Cancel();
        lifetime.Dispose();
    }
}
