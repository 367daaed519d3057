using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Evaluation;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Tests;

/// <summary>#18: text → face by attributes — what a caption says is read in the pack's text space, set exactly on the
/// sliders by the least-norm move, and face-api.js (which FaceWeb did not train) sees it.</summary>
public sealed class CaptionAttributesTests
{
    [Fact]
    public void Captions_are_read_for_gender_age_and_smile_and_a_plain_caption_says_nothing()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack());
        HashSet<string> all = ["male", "age", "smiling"];
        string Read(string caption) => string.Join(", ", CaptionAttributes.Read(editor.Space!.EmbedTexts, caption, all)
            .Select(a => $"{a.Slider} {a.Target.ToString("+0.#;-0.#", System.Globalization.CultureInfo.InvariantCulture)}" + (a.Mapper is null ? "" : $" + {a.Mapper} ×{a.MapperStrength}")));
        Assert.Equal("male -1.5, smiling +4, age -6 + old person ×-0.5", Read("a smiling young woman with blond hair"));
        Assert.Equal("male +4, age +0 + old person ×1.5", Read("an old man with a grey beard"));
        Assert.Equal("smiling +4, age -8 + old person ×-0.5", Read("a child with a big smile"));
        Assert.Equal("", Read("a photo of a face"));
        Assert.Equal("male", string.Join(", ", CaptionAttributes.Read(editor.Space!.EmbedTexts, "an old man", new HashSet<string> { "male" }).Select(a => a.Slider)));
    }

    /// <summary>Old captions go on with the pack's "old person" mapper, young ones with it backwards at half strength;
    /// face-api.js sees the move on average and on at least three of four seeds (a face the slider alone already makes a
    /// teenager has no room to get younger).</summary>
    [Theory]
    [InlineData("an old woman", 0, 1.5, 8)]
    [InlineData("a young man", -6, -0.5, 2)]
    public void An_age_caption_goes_on_with_the_packs_old_person_mapper_and_face_api_sees_the_move(string caption, double target, double strength, double years)
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack());
        using var judges = EditJudges.Load(Repository.FaceApiModels());
        using var scope = NewDisposeScope();
        var starts = Enumerable.Range(0, 4).Select(seed => editor.AttributeStart(caption, seed)).ToList();
        Assert.All(starts, s => Assert.Contains(s.Said, a => a.Slider == "age" && a.Target == target && a.Mapper == "old person" && a.MapperStrength == strength));
        var sliderOnly = Enumerable.Range(0, 4).Select(seed => editor.SetAttributes(editor.SeedStart(seed, 0.7), [.. starts[seed].Said.Select(a => (a.Slider, a.Target))], 0.7)).ToList();
        for (int seed = 0; seed < 4; seed++)                                                    // the start is the mapper's edit of the slider move
            Fixtures.AssertClose(editor.Mapper("old person").Edit(sliderOnly[seed], strength), starts[seed].Start, $"seed {seed}", 1e-5);
        var withMapper = judges.Judge(cat(starts.Select(s => engine.Generator.Synthesize(s.Start)).ToList(), 0)).Age;
        var slider = judges.Judge(cat(sliderOnly.Select(w => engine.Generator.Synthesize(w)).ToList(), 0)).Age;
        int sign = Math.Sign(strength);
        Assert.True(withMapper.Zip(slider).Count(p => sign * (p.First - p.Second) > 0) >= 3 && sign * (withMapper.Average() - slider.Average()) > years,
            $"face-api.js ages with the mapper {string.Join(", ", withMapper.Select(a => a.ToString("F0")))}, slider alone {string.Join(", ", slider.Select(a => a.ToString("F0")))}");
    }

    [Fact]
    public void The_least_norm_move_puts_every_projection_on_its_target_and_nothing_else_moves()
    {
        var g = new Generator(3);
        var w = randn([2, 5, 16], generator: g);
        var n1 = nn.functional.normalize(randn([1, 16], generator: g), dim: 1);
        var n2 = nn.functional.normalize(n1 + 0.5 * randn([1, 16], generator: g), dim: 1);        // correlated, as real sliders are
        var moved = CaptionAttributes.Apply(w, [(n1, 0.1, 0.5, 2.0), (n2, -0.2, 2.0, -1.0)]);
        Fixtures.AssertClose(full([2, 5, 1], 1.1f), moved.matmul(n1.t()), "projection on n1", 1e-4);
        Fixtures.AssertClose(full([2, 5, 1], -2.2f), moved.matmul(n2.t()), "projection on n2", 1e-4);
        var delta = (moved - w).reshape(-1, 16);
        var basis = linalg.qr(cat([n1, n2], 0).t()).Q;                                           // [16,2]
        Assert.True((delta - delta.matmul(basis).matmul(basis.t())).abs().max().item<float>() < 1e-4, "the move leaves the span of the normals");
        Assert.Equal(w.data<float>().ToArray(), CaptionAttributes.Apply(w, []).data<float>().ToArray());
    }

    [Fact]
    public void Face_api_sees_the_gender_the_caption_names()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack());
        using var judges = EditJudges.Load(Repository.FaceApiModels());
        Assert.True(editor.HasAttributeSliders);
        float[] Male(string caption)
        {
            using var scope = NewDisposeScope();
            var faces = cat(Enumerable.Range(0, 4).Select(seed => engine.Generator.Synthesize(editor.AttributeStart(caption, seed).Start)).ToList(), 0);
            return judges.Judge(faces).Male;
        }
        Assert.All(Male("a photo of a man"), p => Assert.True(p > 0.5, $"P(male) {p:F2} for a man"));
        Assert.All(Male("a photo of a woman"), p => Assert.True(p < 0.5, $"P(male) {p:F2} for a woman"));
        var (start, said) = editor.AttributeStart("a photo of a face", 0);
        using var seedStart = editor.SeedStart(0, 0.7);
        Assert.Empty(said);
        Assert.Equal(0f, (start - seedStart).abs().max().item<float>());                        // nothing read: the seed's own latent
        start.Dispose();
    }

    [Fact]
    public void The_sweep_sets_a_slider_and_reports_what_face_api_sees()
    {
        using var engine = FaceEngine.FromPack(Repository.DefaultPack());
        using var editor = PackEditor.Open(engine, Repository.DefaultPack());
        using var judges = EditJudges.Load(Repository.FaceApiModels());
        using var found = FaceFound.Load("ssd", Repository.FaceApiModels());
        var rows = SliderSweep.Run(editor, "male", [-4, 4], [("smiling", 5)], judges, found, 3, 0.7);
        Assert.Equal([-4.0, 4.0], rows.Select(r => r.Target));
        Assert.All(rows, r => Assert.Equal("smiling +5σ", r.Also));
        Assert.Equal((0.0, 1.0), (rows[0].Male, rows[1].Male));
        Assert.All(rows, r => Assert.True(r.Found is >= 0 and <= 1 && r.Happy is >= 0 and <= 1 && r.MeanAge > 0));
        Assert.Throws<ArgumentException>(() => SliderSweep.Run(editor, "wings", [1], [], judges, found, 1, 0.7));
    }
}
