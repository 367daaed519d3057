using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Generators.StyleGan2;

/// <summary>The learned 4×4 constant the synthesis network starts from (StyleGAN §2). Key <c>input</c> [1,C,4,4].</summary>
public sealed class ConstantInput : nn.Module
{
    readonly Parameter input;

    public ConstantInput(long channels, int size = 4) : base(nameof(ConstantInput))
    {
        input = new Parameter(randn(1, channels, size, size));
        register_parameter(nameof(input), input);
    }

    public Tensor Forward(long batch) => input.expand(batch, -1, -1, -1);

    public Device Device => input.device;
}

/// <summary>The fixed noise maps <c>noise_0 … noise_{L-2}</c> used with constant noise (randomize_noise=False).</summary>
public sealed class NoiseBuffers : nn.Module
{
    readonly int count;

    public NoiseBuffers(int logSize, Generator? rng = null) : base(nameof(NoiseBuffers))
    {
        for (int j = 0; j < 2 * logSize - 3; j++)
        {
            int res = 1 << ((j + 5) / 2);  // 4, 8, 8, 16, 16, …
            var t = randn([1, 1, res, res], generator: rng);
            register_buffer($"noise_{j}", t);
        }
        count = 2 * logSize - 3;
    }

    public int Count => count;

    /// <summary>The maps in order, wherever <c>to(device)</c> has put them.</summary>
    public IReadOnlyList<Tensor> All => Enumerable.Range(0, count).Select(j => get_buffer($"noise_{j}")!).ToList();
}
