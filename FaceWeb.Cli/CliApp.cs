using FaceWeb.Engine;
using FaceWeb.Engine.Checkpoints;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceWeb.Cli;

/// <summary>`faceweb` entry point. Exit codes: 0 success, 2 bad input (one-line error on stderr), 1 other failure.</summary>
public static class CliApp
{
    /// <summary>The JSON of every --report: indented, and a value that was not measured (NaN) written as "NaN".</summary>
    public static readonly System.Text.Json.JsonSerializerOptions ReportJson = new()
    {
        WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public const int BadInput = 2;

    /// <summary>The engine of a pack or a checkpoint on <paramref name="device"/> (auto, cpu, cuda, cuda:N; auto when null);
    /// the device line goes to standard error, so that it never mixes with a command's output.</summary>
    public static FaceEngine OpenEngine(string? pack, string? checkpoint, string? device)
    {
        var d = Device(device);
        return pack is not null ? FaceEngine.FromPack(pack, d) : FaceEngine.FromCheckpoint(checkpoint!, d);
    }

    /// <summary>--device resolved (auto when null), its line written to standard error.</summary>
    public static TorchSharp.torch.Device Device(string? device)
    {
        var choice = EngineDevice.Resolve(device);
        Console.Error.WriteLine(EngineDevice.Describe(choice));
        return choice.Device;
    }

    public static int Run(string[] args)
    {
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.SetApplicationName("faceweb");
            c.PropagateExceptions();
            c.UseStrictParsing();                  // a mistyped or removed option is an error, not a silently ignored word
            c.AddCommand<RenderCommand>("render").WithDescription("Render latents (z, w or wplus) from a safetensors file to images.");
            c.AddCommand<RenderSsaGanCommand>("render-ssagan").WithDescription("SSA-GAN images and their stage masks from sentence vectors (a model.py NetG or FaceWeb's SSA-GAN).");
            c.AddCommand<GenerateCommand>("generate").WithDescription("Generate PNGs and a grid for a range of seeds.");
            c.AddCommand<TokenizeCommand>("tokenize").WithDescription("CLIP BPE token ids (77 per text) as JSON arrays.");
            c.AddCommand<ClipCommand>("clip").WithDescription("CLIP text and image features to a safetensors file.");
            c.AddCommand<PrecomputeCommand>("precompute").WithDescription("stylespace | fs3 | boundaries: statistics, StyleCLIP channel directions or the built-in sliders into a pack.");
            c.AddBranch<EditSettings>("edit", edit =>
            {
                edit.SetDescription("Edits of a seed as PNG strips, one verb per method (the engine's PackEditor runs each).");
                edit.AddCommand<GlobalEditCommand>("global").WithDescription("StyleCLIP global direction for a prompt pair, over a range of α.");
                edit.AddCommand<MapperEditCommand>("mapper").WithDescription("A StyleCLIP mapper (a file or one of the pack's), over a range of strengths.");
                edit.AddCommand<OptimiseEditCommand>("optimise").WithAlias("optimize").WithDescription("StyleCLIP latent optimisation towards a prompt.");
                edit.AddCommand<InterFaceGanEditCommand>("interfacegan").WithDescription("An InterFaceGAN attribute boundary of the pack, over a range of α.");
                edit.AddCommand<GanSpaceEditCommand>("ganspace").WithDescription("GANSpace: a principal direction of W (no labels, no text), over a range of α.");
            });
            c.AddCommand<TrainCommand>("train").WithDescription("mapper | boundary | prior | faceclip | attributes | encoder | sketch-encoder | ssagan | judge: train a StyleCLIP mapper, an InterFaceGAN boundary, the text→W prior, FaceCLIP-mini, the attribute classifier, the W+ encoder, the sketch encoder or SSA-GAN into a pack, or the CelebA judge eval edits uses for blond hair and glasses.");
            c.AddCommand<Text2FaceCommand>("text2face").WithDescription("Faces for a caption: CLIP-guided optimisation (TediGAN-style) or the pack's text→W prior.");
            c.AddCommand<Sketch2FaceCommand>("sketch2face").WithDescription("A face from a sketch: the pack's sketch encoder (one pass), optionally refined; a caption sets the fine layers.");
            c.AddCommand<SketchCommand>("sketch").WithDescription("The sketch of faces (seeds or an image) as FaceWeb draws them, and the randomised sketches its sketch encoder learns from.");
            c.AddCommand<CaptionsCommand>("captions").WithDescription("Natural captions from CelebA attributes and UTKFace labels (JSON lines, with a held-out split).");
            c.AddCommand<AlignCommand>("align").WithDescription("Detect a face (face-api.js), find its 68 landmarks and align it to FFHQ's or a pack's framing.");
            c.AddCommand<InvertCommand>("invert").WithDescription("An aligned face photo → W+ (e4e encoder and/or projection), with its reconstruction.");
            c.AddCommand<EvalCommand>("eval").WithDescription("edits | inversion: the pack's age, gender and smile edits, or its reconstructions of held-out faces, judged by face-api.js networks it did not train.");
            c.AddBranch<RoomSettings>("room", room =>
            {
                room.SetDescription("Review rooms in the app's database (SQLite in --data, or --postgres): for the operator.");
                room.AddCommand<RoomListCommand>("list").WithDescription("Every room: id, title, owner, nodes, comments, working links (no tokens).");
                room.AddCommand<RoomExportCommand>("export").WithDescription("A room (by link, token or id) as the ZIP its page exports.");
                room.AddCommand<RoomImportCommand>("import").WithDescription("A new room from an exported ZIP; prints the owner's link.");
            });
            c.AddCommand<CompareCommand>("compare").WithDescription("Every edit method side by side on one seed and prompt: a captioned grid and a JSON metric table.");
        });
        try
        {
            return app.Run(args);
        }
        catch (Exception e) when (e is CommandParseException or CommandRuntimeException or CheckpointException
                                       or ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            Console.Error.WriteLine($"error: {OneLine(e.Message)}");
            return BadInput;
        }
        catch (FaceWeb.Server.Persistence.StorageException e)
        {
            Console.Error.WriteLine($"error: {OneLine(e.Message)}");                   // the database's state, not the input
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (Exception e)
        {
            // Not the user's input: say what failed, with the detail a bug report needs, and exit 1 rather than abort.
            Console.Error.WriteLine($"error: unexpected {e.GetType().Name}: {OneLine(e.Message)}");
            Console.Error.WriteLine(e);
            return 1;
        }
    }

    static string OneLine(string s) => string.Join(' ', s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Parses "0-7", "3", "1,5,9-12" into seeds.</summary>
    public static IReadOnlyList<long> ParseSeeds(string text)
    {
        var seeds = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-', 2);
            if (!long.TryParse(ends[0], out long a) || a < 0 || (ends.Length == 2 && (!long.TryParse(ends[1], out long b) || b < a)))
                throw new ArgumentException($"invalid seeds '{text}' (use e.g. 0-7 or 1,5,9)");
            long end = ends.Length == 2 ? long.Parse(ends[1]) : a;
            if (end - a > 100_000) throw new ArgumentException($"seed range '{part}' is too large");
            for (long s = a; s <= end; s++) seeds.Add(s);
        }
        if (seeds.Count == 0) throw new ArgumentException("no seeds given");
        return seeds;
    }

    /// <summary>A progress bar for work that reports the fraction done (0 to 1) through the <see cref="IProgress{T}"/> it is given.</summary>
    internal static void Fraction(string title, Action<IProgress<double>> body) =>
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask(title, maxValue: 1);
            body(new Ticks(f => task.Value = Math.Clamp(f, 0, 1)));
        });

    /// <summary>A progress bar for work that ticks once per item of <paramref name="total"/>.</summary>
    internal static void Progress(string title, int total, Action<Action> body) =>
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask(title, maxValue: total);
            body(() => task.Increment(1));
        });
}
