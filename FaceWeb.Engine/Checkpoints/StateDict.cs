using static TorchSharp.torch;

namespace FaceWeb.Engine.Checkpoints;

/// <summary>Flat name → tensor map read from a checkpoint (nested dicts joined with '.'). Owns its tensors.</summary>
public sealed class StateDict(Dictionary<string, Tensor> tensors, string source) : IDisposable
{
    public string Source { get; } = source;
    public IReadOnlyDictionary<string, Tensor> Tensors => tensors;
    public IEnumerable<string> Keys => tensors.Keys;

    public bool Contains(string key) => tensors.ContainsKey(key);

    public Tensor this[string key] => tensors.TryGetValue(key, out var t) ? t
        : throw new CheckpointException($"{Source}: no tensor named '{key}'.");

    /// <summary>The entries under <paramref name="prefix"/> ("g_ema"), with the prefix removed. Shares tensors.</summary>
    public IReadOnlyDictionary<string, Tensor> Under(string prefix)
    {
        string p = prefix.EndsWith('.') ? prefix : prefix + ".";
        var sub = tensors.Where(kv => kv.Key.StartsWith(p, StringComparison.Ordinal))
                         .ToDictionary(kv => kv.Key[p.Length..], kv => kv.Value, StringComparer.Ordinal);
        if (sub.Count == 0)
            throw new CheckpointException($"{Source}: has no entries under '{prefix}' (top-level keys: {string.Join(", ", TopLevel().Take(8))}).");
        return sub;
    }

    public IEnumerable<string> TopLevel() => tensors.Keys.Select(k => k.Split('.')[0]).Distinct();

    public void Dispose()
    {
        foreach (var t in tensors.Values) t.Dispose();
        tensors.Clear();
    }
}
