using FaceWeb.Components.Services;

namespace FaceWeb.Components.Tests;

sealed class FakeSession(params SessionLatent[] items) : ISessionLatents
{
    public IReadOnlyList<SessionLatent> Items { get; } = items;
#pragma warning disable CS0067 // never raised by the fake
    public event Action? Changed;
#pragma warning restore CS0067
}
