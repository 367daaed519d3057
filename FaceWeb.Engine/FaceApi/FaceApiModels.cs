// Where face-api.js's weights are and whether they are the ones FaceWeb was built against.
using FaceWeb.Engine.Checkpoints;

namespace FaceWeb.Engine.FaceApi;

/// <summary>Where the face-api.js weights are: <c>FACEWEB_FACEAPI</c>, else <c>models/face-api/node_modules/@vladmandic/face-api/model</c>
/// above the running program or the current folder (restored with npm, see README). Files are checked against their SHA-256.</summary>
public static class FaceApiModels
{
    public const string Restore = "npm install --prefix models/face-api --no-package-lock --ignore-scripts";

    // @vladmandic/face-api 1.7.15: the manifests and shards FaceWeb reads.
    static readonly Dictionary<string, string> Sha256 = new()
    {
        ["age_gender_model-weights_manifest.json"] = "74b60bf3ebf981bf4e661e9cca3a185614e10b25d797118b62e2a68d3ff2569f",
        ["age_gender_model.bin"] = "49f92bbc0afef2342c4385e4a2b0acb6d7a727c6f0aa539499719a81acf9abaa",
        ["face_expression_model-weights_manifest.json"] = "5b349c17c7836da506e03422cd6461c74085d8bb2713ad4114647dc5d28174c8",
        ["face_expression_model.bin"] = "9a9840f2cf1f4c7eab95f197512569345c00d2426754d4608b92af30e0300f3d",
        ["face_recognition_model-weights_manifest.json"] = "cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b",
        ["face_recognition_model.bin"] = "b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589",
        ["face_landmark_68_model-weights_manifest.json"] = "ca4886639f86e99b39fed0c155f81b63317225773bd9616716e887b0153389c9",
        ["face_landmark_68_model.bin"] = "4611ef65c87d836d03d684b30eec4d195d8b219fa1dd58fc58945831c6b9299b",
        ["tiny_face_detector_model-weights_manifest.json"] = "5d1af4849ac48d5b985f4a9b16010c512353ddd6fcc63d50fd0bc9e9e64296e5",
        ["tiny_face_detector_model.bin"] = "b7503ce7df31039b1c43316a9b865cab6a70dd748cc602d3fa28b551503c3871",
    };

    public static string Directory()
    {
        string? dir = Environment.GetEnvironmentVariable("FACEWEB_FACEAPI");
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var d = new DirectoryInfo(start); dir is null && d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "models", "face-api", "node_modules", "@vladmandic", "face-api", "model");
                if (System.IO.Directory.Exists(candidate)) dir = candidate;
            }
        if (dir is null) throw new DirectoryNotFoundException($"the face-api.js weights are not restored: run `{Restore}` in the repository.");
        foreach (var (file, sha) in Sha256)
        {
            string path = Path.Combine(dir, file);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: run `{Restore}`.");
            if (ModelPack.Sha256Of(path) != sha) throw new CheckpointException($"{path}: SHA-256 differs from @vladmandic/face-api 1.7.15's.");
        }
        return dir;
    }
}
