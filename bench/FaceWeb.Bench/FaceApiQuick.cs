using FaceWeb.Engine.FaceApi;
using FaceWeb.Engine;
using FaceWeb.Engine.Editing;
using FaceWeb.Engine.Inversion;
using FaceWeb.Engine.TextImage;
using static TorchSharp.torch;

namespace FaceWeb.Bench;

/// <summary>`-- quick-faceapi PACK PHOTO`: the face-api.js networks (detection at 416, landmarks, alignment, recognition,
/// age/gender, expression) on a real photo, and the default pack's FaceCLIP-mini, classifier and encoder per face.</summary>
public static class FaceApiQuick
{
    public static void Run(string pack, string photo)
    {
        string models = FaceApiModels.Directory();
        using var _ = no_grad();
        using var rgb = ImageUpload.DecodeRgb255(File.ReadAllBytes(photo));
        using var det = TinyFaceDetector.Load(models);
        using var lm = FaceLandmarks68.Load(models);
        using var aligner = new FaceAligner(TinyFaceDetector.Load(models), FaceLandmarks68.Load(models));
        using var id = FaceApiIdentity.Load(models);
        using var ag = FaceApiAgeGenderNet.Load(models);
        using var ex = FaceApiExpressionNet.Load(models);
        var box = det.Detect(rgb)[0];
        var x112 = rand(1, 3, 112, 112) * 255;
        var x150 = rand(1, 3, 150, 150) * 255;
        Console.WriteLine($"torch threads: {get_num_threads()}; photo {rgb.shape[3]}×{rgb.shape[2]}");
        Console.WriteLine("what                                         ms");
        Console.WriteLine($"tiny face detector, 416 input                {Timing.Ms(() => det.Detect(rgb), 5),8:F1}");
        Console.WriteLine($"68 landmarks (crop + net)                    {Timing.Ms(() => lm.Detect(rgb, box), 10),8:F1}");
        Console.WriteLine($"detect + landmarks + align to 64 px          {Timing.Ms(() => { foreach (var f in aligner.Align(rgb, 64, FaceFraming.UtkFace)) f.Dispose(); }, 5),8:F1}");
        Console.WriteLine($"recognition (150 px, 128-d)                  {Timing.Ms(() => id.Descriptor(x150), 10),8:F1}");
        Console.WriteLine($"age/gender (112 px)                          {Timing.Ms(() => ag.Forward(x112), 10),8:F1}");
        Console.WriteLine($"expression (112 px)                          {Timing.Ms(() => ex.Forward(x112), 10),8:F1}");
        using var engine = FaceEngine.FromPack(pack);
        using var space = TextImageSpaces.Open(null, null, pack)!;
        var p = Engine.Checkpoints.ModelPack.Load(pack);
        using var classifier = AttributeClassifier.Load(p.PathOf(Engine.Checkpoints.ModelPack.AttributesRole));
        using var encoder = PackEncoder.Load(p.PathOf(Engine.Checkpoints.ModelPack.EncoderRole));
        var faces = engine.Generator.Synthesize(engine.Generator.WPlusFromZ(randn([16, engine.Generator.Config.StyleDim], generator: new Generator(1)), 0.7));
        var tower = ((FaceClipSpace)space).Tower;
        Console.WriteLine($"FaceCLIP-mini image embedding, per face (16) {Timing.Ms(() => space.EmbedImages(faces), 10) / 16,8:F2}");
        Console.WriteLine($"FaceCLIP-mini text embedding, one prompt     {Timing.Ms(() => space.EmbedTexts(["a smiling old man with glasses"]), 10),8:F2}");
        Console.WriteLine($"attribute scores, per face (16)              {Timing.Ms(() => classifier.forward(tower.Features(faces)), 10) / 16,8:F2}");
        Console.WriteLine($"encoder W+, per face (16)                    {Timing.Ms(() => encoder.Invert(faces), 10) / 16,8:F2}");
    }
}
