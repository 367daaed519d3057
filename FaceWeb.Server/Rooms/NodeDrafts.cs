using System.Text.Json.Nodes;
using FaceWeb.Components.Services;
using FaceWeb.Engine.Editing;
using static TorchSharp.torch;

namespace FaceWeb.Server.Rooms;

/// <summary>What a review room stores for an edit result, made once for every host that can post one (Edit's one-pass
/// edits, sliders, optimisation frames, Compare cells): the request as JSON, and the W+ that reproduces the image:
/// the result's own, or for a style-space edit (which has none) its start, with <c>"latent": "start"</c> saying so.</summary>
public static class NodeDrafts
{
    /// <summary>Engine thread.</summary>
    /// <param name="start">The W+ [1,L,D] the edit started from.</param>
    /// <param name="from">How that start was made (e.g. "seed 3, ψ 0.70"), for the reader.</param>
    public static NodeDraft Of(string kind, EditRequest? request, EditResult result, Tensor start, string from, long? origin)
    {
        var latent = result.Latent ?? start;
        var json = new JsonObject { ["method"] = result.Method.Verb() };
        foreach (var (key, value) in Fields(request)) json[key] = value;
        json["start"] = from;
        json["latent"] = result.Latent is null ? "start" : "result";
        return new NodeDraft(kind, json.ToJsonString(), SessionLatentStore.Values(latent), (int)latent.shape[1], (int)latent.shape[2], origin);
    }

    /// <summary>The global-direction edit a node's parameters say to apply again to its latent (a style-space node), or null.</summary>
    public static GlobalReapply? Reapply(string parameters)
    {
        try
        {
            var p = JsonNode.Parse(parameters);
            if ((string?)p?["latent"] != "start" || (string?)p["method"] != EditMethod.GlobalDirection.Verb()) return null;
            return new GlobalReapply((string?)p["neutral"] ?? "", (string?)p["target"] ?? "", (double?)p["alpha"] ?? 0, (double?)p["beta"] ?? 0);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException) { return null; }
    }

    static IEnumerable<(string, JsonNode?)> Fields(EditRequest? request) => request switch
    {
        GlobalDirectionEdit r => [("neutral", r.Neutral), ("target", r.Target), ("alpha", r.Alpha), ("beta", r.Beta)],
        MapperEdit r => [("mapper", r.Mapper), ("strength", r.Strength)],
        SliderEdit r => [("moves", new JsonObject(r.Moves.Select(m => KeyValuePair.Create(m.Attribute, (JsonNode?)m.Alpha)))),
            ("keepFixed", new JsonArray([.. (r.KeepFixed ?? []).Select(k => (JsonNode?)k)])), ("layers", Layers(r.Layers))],
        PrincipalEdit r => [("component", r.Component), ("alpha", r.Alpha), ("layers", Layers(r.Layers))],
        OptimiseEdit r => [("target", r.Target), ("steps", r.Steps), ("l2Lambda", r.L2Lambda), ("idLambda", r.IdLambda), ("domainLambda", r.DomainLambda),
            ("sharedOffset", r.SharedOffset), ("region", r.Region is not null)],
        _ => [],
    };

    static string Layers(LayerGroups g) => g.ToString().ToLowerInvariant();
}
