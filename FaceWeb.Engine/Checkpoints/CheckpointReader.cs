// Reads the two formats users have: PyTorch zip pickles (torch.save, e.g. rosinality's
// {'g_ema': state_dict, 'latent_avg': tensor}) and safetensors. Tensors saved from CUDA land on the CPU.
using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FaceWeb.Engine.Checkpoints;

public static class CheckpointReader
{
    public static StateDict Load(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"{path}: file not found.");
        var magic = new byte[4];
        using (var f = File.OpenRead(path)) { _ = f.Read(magic, 0, 4); }
        bool zip = magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] == 3 && magic[3] == 4;
        return zip ? LoadPickle(path) : new StateDict(SafeTensors.Load(path), path);
    }

    static StateDict LoadPickle(string path)
    {
        Hashtable root;
        try
        {
            using var stream = File.OpenRead(path);
            root = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            throw new CheckpointException($"{path}: not a readable PyTorch checkpoint (truncated or corrupt zip pickle: {e.Message}).", e);
        }
        var flat = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Flatten(root, "", flat);
        if (flat.Count == 0) throw new CheckpointException($"{path}: holds no tensors.");
        return new StateDict(flat, path);
    }

    static void Flatten(IDictionary dict, string prefix, Dictionary<string, Tensor> into)
    {
        foreach (DictionaryEntry e in dict)
        {
            string key = prefix + e.Key;
            switch (e.Value)
            {
                case Tensor t: into[key] = t; break;
                case IDictionary d: Flatten(d, key + ".", into); break;
                default: break; // options, step counters and other non-tensor values are not weights
            }
        }
    }
}
