using static TorchSharp.torch;

namespace FaceWeb.Engine.Checkpoints;

/// <summary>Copies a state dict into a module with the rules of PyTorch's load_state_dict(strict=True):
/// every key present, none unknown, every shape equal. Half-precision weights are up-cast.</summary>
public static class StrictLoader
{
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> source, string what)
    {
        var target = module.state_dict();
        var missing = target.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).ToList();
        var misshaped = target.Keys.Where(source.ContainsKey)
            .Where(k => !target[k].shape.SequenceEqual(source[k].shape))
            .Select(k => $"{k}: checkpoint [{string.Join(",", source[k].shape)}], model [{string.Join(",", target[k].shape)}]")
            .ToList();
        if (missing.Count + unexpected.Count + misshaped.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"missing {Describe(missing)}");
            if (unexpected.Count > 0) parts.Add($"unexpected {Describe(unexpected)}");
            if (misshaped.Count > 0) parts.Add($"wrong shape {Describe(misshaped)}");
            throw new CheckpointException($"{what}: does not fit the model: {string.Join("; ", parts)}.");
        }
        using var _ = no_grad();
        foreach (var (key, dst) in target)
        {
            var src = source[key];
            if (!src.is_floating_point() && dst.is_floating_point())
                throw new CheckpointException($"{what}: '{key}' holds {src.dtype}, expected a floating-point tensor.");
            dst.copy_(src);
        }
    }

    static string Describe(List<string> items) =>
        items.Count <= 6 ? string.Join(", ", items) : $"{string.Join(", ", items.Take(6))} and {items.Count - 6} more";
}
