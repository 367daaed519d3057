using FaceWeb.Engine.TextImage;

namespace FaceWeb.Engine.Tests;

public sealed class FaceCaptionTests
{
    static readonly FaceLabels Celeb = new("000042.jpg", "celeba", new HashSet<string> { "Smiling", "Blond_Hair", "Wavy_Hair", "Eyeglasses", "Young", "Wearing_Earrings" });

    [Fact]
    public void Captions_are_varied_deterministic_per_image_and_seed_and_say_what_the_labels_say()
    {
        var a = FaceCaptions.Captions(Celeb, 4, seed: 1);
        Assert.Equal(a, FaceCaptions.Captions(Celeb, 4, seed: 1));
        Assert.NotEqual(a, FaceCaptions.Captions(Celeb, 4, seed: 2));
        Assert.Equal(4, a.Distinct().Count());
        Assert.All(a, c => Assert.Contains("woman", c));
        Assert.All(a, c => Assert.Matches("smil|beaming", c));
        Assert.Contains(a, c => c.Contains("blond"));
        Assert.DoesNotContain(a, c => c.Contains("beard"));
        var man = FaceCaptions.Captions(new FaceLabels("1.jpg", "celeba", new HashSet<string> { "Male" }), 3);
        Assert.All(man, c => Assert.Contains("man", c));
        Assert.Contains(man, c => c.Contains("beard"));                          // No_Beard is −1
        var utk = FaceCaptions.Captions(new FaceLabels("64_0_1.jpg", "utk", new HashSet<string>(), 64, "male", "Black"), 6);
        Assert.Contains(utk, c => c.Contains("man in his sixties"));
        Assert.DoesNotContain(utk, c => c.Contains("woman"));
    }

    [Fact]
    public void The_held_out_split_is_stable_by_image_and_near_the_fraction()
    {
        var names = Enumerable.Range(0, 4000).Select(i => $"{i:D6}.jpg").ToList();
        double held = names.Count(n => FaceCaptions.IsHeldOut(n, 0.1)) / 4000.0;
        Assert.InRange(held, 0.08, 0.12);
        Assert.Equal(names.Select(n => FaceCaptions.IsHeldOut(n)), names.Select(n => FaceCaptions.IsHeldOut(n)));
    }

    [Fact]
    public void Label_files_are_parsed_and_malformed_rows_are_named()
    {
        string dir = Directory.CreateTempSubdirectory("faceweb-captions").FullName;
        try
        {
            string celeba = Path.Combine(dir, "attr.txt");
            File.WriteAllLines(celeba, ["2", "Male Smiling", "a.jpg  1 -1", "b.jpg -1  1"]);
            var l = FaceCaptions.ReadCelebA(celeba);
            Assert.Equal(["Male"], l[0].Attributes);
            Assert.Equal(["Smiling"], l[1].Attributes);
            File.WriteAllLines(celeba, ["1", "Male Smiling", "a.jpg 1 0"]);
            Assert.Contains("attr.txt:3", Assert.Throws<ArgumentException>(() => FaceCaptions.ReadCelebA(celeba)).Message);

            string utk = Path.Combine(dir, "labels.csv");
            File.WriteAllLines(utk, ["file,age,gender,race,greyscale,label_ok", "x.jpg,30,female,Asian,0,1", "bad .jpg,,,,0,0", "y.jpg,200,male,White,0,1"]);
            Assert.Contains("labels.csv:4", Assert.Throws<ArgumentException>(() => FaceCaptions.ReadUtk(utk)).Message);
            File.WriteAllLines(utk, ["file,age,gender,race,greyscale,label_ok", "x.jpg,30,female,Asian,0,1", "bad .jpg,,,,0,0"]);
            var u = Assert.Single(FaceCaptions.ReadUtk(utk));                     // label_ok = 0 rows are skipped
            Assert.Equal((30, "female", "Asian"), (u.Age!.Value, u.Gender, u.Race));
        }
        finally { Directory.Delete(dir, true); }
    }
}
