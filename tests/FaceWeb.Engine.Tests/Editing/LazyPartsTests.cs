using FaceWeb.Engine.Editing;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>Parts the pack editor loads on first use (mappers, the prior, SSA-GAN) belong to the editor: a dispose scope
/// the first caller had open (an eval loop's, a batch's) must not free them when it closes. `faceweb eval edits` failed
/// on its second batch with "Tensor invalid -- empty handle" before.</summary>
public sealed class LazyPartsTests
{
    [Fact]
    public void Parts_first_loaded_inside_a_callers_scope_outlive_it()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack());
        using var w = engine.SeedWPlus(4, 0.7);
        using var text = editor.EmbedText("a smiling woman");
        Tensor First(Func<Tensor> make) { using var scope = NewDisposeScope(); return make().MoveToOuterDisposeScope(); }
        using var mapped = First(() => editor.Mapper("a smiling face").Edit(w, 1));
        using var prior = First(() => editor.PriorStart(text, 4));
        using var ssagan = First(() => editor.SsaGanFace("a smiling woman", 4).Image);
        // The scopes are closed; the same parts again give the same results.
        using var mapped2 = editor.Mapper("a smiling face").Edit(w, 1);
        using var prior2 = editor.PriorStart(text, 4);
        using var ssagan2 = editor.SsaGanFace("a smiling woman", 4).Image;
        Assert.Equal(0, (mapped2 - mapped).abs().max().item<float>());
        Assert.Equal(0, (prior2 - prior).abs().max().item<float>());
        Assert.Equal(0, (ssagan2 - ssagan).abs().max().item<float>());
    }
}
