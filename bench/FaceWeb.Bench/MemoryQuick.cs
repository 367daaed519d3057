using FaceWeb.Engine;
using FaceWeb.Engine.Inversion;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceWeb.Bench;

/// <summary>`quick-memory PACK PHOTO [uploads] [frames]`: resident memory (RSS) around the two things a busy server does
/// most, the engine's share of the app's upload path (decode with every check, find and align the faces, release) on a
/// 4096² PNG made from PHOTO (the photo pasted into a white square), and Generate's frames (render + PNG).</summary>
public static class MemoryQuick
{
    static double Mb(long bytes) => bytes / 1_048_576.0;

    static long Settled()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        NativeMemory.Trim();
        return NativeMemory.ResidentBytes();
    }

    public static void Run(string pack, string photo, int uploads = 200, int frames = 2000)
    {
        byte[] upload;
        using (var face = Image.Load<Rgb24>(photo))
        using (var square = new Image<Rgb24>(4096, 4096, Color.White))
        {
            square.Mutate(c => c.DrawImage(face, new Point((4096 - face.Width) / 2, (4096 - face.Height) / 2), 1f));
            using var ms = new MemoryStream();
            square.SaveAsPng(ms);
            upload = ms.ToArray();
        }
        using var engine = FaceEngine.FromPack(pack);
        var aligner = FaceAligner.Load(FaceWeb.Engine.FaceApi.FaceApiModels.Directory());
        int size = engine.Generator.Config.Size;
        void Upload()
        {
            foreach (var f in aligner.AlignUpload(upload, size, engine.Pack.Framing)) f.Dispose();   // what the app's upload runs
        }
        Upload();
        for (int i = 0; i < 10; i++) engine.RenderSeedPng(i, 0.7);
        long start = Settled();
        Console.WriteLine($"upload: 4096² PNG, {upload.Length / 1024.0:0} KB; pack {engine.Pack.Name} ({size} px)");
        Console.WriteLine($"RSS after warm-up: {Mb(start):0} MB");
        long peak = 0;
        for (int i = 0; i < uploads; i++) { Upload(); peak = Math.Max(peak, NativeMemory.ResidentBytes()); }
        long afterUploads = Settled();
        Console.WriteLine($"RSS after {uploads} uploads: {Mb(afterUploads):0} MB (peak {Mb(peak):0} MB, {Mb(afterUploads - start):+0;-0} MB)");
        for (int i = 0; i < frames; i++) engine.RenderSeedPng(i % 500, 0.5 + (i % 7) * 0.1);
        long afterFrames = Settled();
        Console.WriteLine($"RSS after {frames} frames: {Mb(afterFrames):0} MB ({Mb(afterFrames - afterUploads):+0;-0} MB)");
    }
}
