using System.Diagnostics;
using FaceWeb.Engine.Generators.StyleGan2;

namespace FaceWeb.Engine.Tests;

/// <summary>Alone in its collection, run with no other test in parallel, so only its own allocations move RSS.</summary>
[CollectionDefinition(nameof(MemoryTests), DisableParallelization = true)]
public sealed class MemoryCollection;

[Collection(nameof(MemoryTests))]
public sealed class MemoryTests
{
    [Fact]
    public void Two_hundred_renders_leave_process_memory_flat()
    {
        using var engine = FaceEngine.FromCheckpoint(Fixtures.File("stylegan2", "generator.pt"));
        for (int i = 0; i < 20; i++) engine.RenderSeedPng(i, 0.7);   // warm-up: allocator pools, JIT
        long before = Rss();
        for (int i = 0; i < 200; i++) engine.RenderSeedPng(i, 0.5 + i % 5 * 0.1, i % 2 == 0 ? NoiseSpec.Const : NoiseSpec.Random());
        long grown = Rss() - before;
        // A leaked 64-px frame's activations are ~0.5 MB; 200 leaks would add ~100 MB.
        Assert.True(grown < 24L << 20, $"RSS grew by {grown >> 20} MB over 200 renders");
    }

    static long Rss()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }
}
