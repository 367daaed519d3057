using FaceWeb.Components.Services;

namespace FaceWeb.Components.Tests;

sealed class FakeSession(params SessionLatent[] items) : ISessionLatents
{
    public IReadOnlyList<SessionLatent> Items { get; } = items;
#pragma warning disable CS0067 // never raised by the fake
    public event Action? Changed;
#pragma warning restore CS0067
    readonly List<EditFrame> history = [];
    public IReadOnlyList<EditFrame> History => history;
    public void Record(EditFrame frame) => history.Insert(0, frame);
    public (long Seed, string? Latent) Start { get; set; }
    public void SetStart(long seed, string? latent) => Start = (seed, latent);
    public double Truncation { get; set; } = 0.7;
    public void SetTruncation(double psi) => Truncation = psi;
    public string? NotKept => null;
}
