using FaceWeb.Components.Services;
using static TorchSharp.torch;

namespace FaceWeb.Server;

/// <summary>One per circuit: W+ latents the user made, kept as plain arrays (so no tensor crosses threads) and turned
/// back into tensors on the engine thread. At most <see cref="Limit"/>; the oldest go first.</summary>
public sealed class SessionLatentStore : ISessionLatents
{
    public const int Limit = 32;
    readonly object gate = new();
    readonly List<SessionLatent> items = [];
    readonly Dictionary<string, (float[] Data, long[] Shape)> latents = [];

    public event Action? Changed;

    public IReadOnlyList<SessionLatent> Items { get { lock (gate) return [.. items]; } }

    /// <summary>Engine thread: copies <paramref name="wplus"/> [1,L,D] and returns its id.</summary>
    public string Add(Tensor wplus, string label, byte[] thumbnail)
    {
        if (wplus.dim() != 3 || wplus.shape[0] != 1) throw new ArgumentException("a session latent is one W+ [1,L,D]");
        string id = Guid.NewGuid().ToString("N")[..12];
        var data = wplus.detach().cpu().to(float32).contiguous().data<float>().ToArray();
        lock (gate)
        {
            latents[id] = (data, wplus.shape);
            items.Insert(0, new SessionLatent(id, label, thumbnail));
            while (items.Count > Limit) { latents.Remove(items[^1].Id); items.RemoveAt(items.Count - 1); }
        }
        Changed?.Invoke();
        return id;
    }

    /// <summary>Engine thread: the latent as a new tensor [1,L,D], checked against the generator's W+ shape.</summary>
    public Tensor Get(string id, int nLatent, int styleDim)
    {
        (float[] Data, long[] Shape) l;
        lock (gate)
            if (!latents.TryGetValue(id, out l)) throw new ArgumentException("That latent is no longer in this session; pick another start.");
        if (l.Shape[1] != nLatent || l.Shape[2] != styleDim) throw new ArgumentException("That latent belongs to another generator.");
        return tensor(l.Data, l.Shape);
    }
}
