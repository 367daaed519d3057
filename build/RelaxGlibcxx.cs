// MSBuild task: mark the GLIBCXX_3.4.32 version requirement of libLibTorchSharp.so as weak when the system
// libstdc++ does not provide it. ELF64 little-endian only (linux-x64). See Directory.Build.targets.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class FaceWebRelaxGlibcxx : Task
{
    const string Needed = "GLIBCXX_3.4.32";
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    [Required] public string Directory { get; set; } = "";

    public override bool Execute()
    {
        if (SystemHas(Needed)) return true;
        string path = Path.Combine(Directory, "libLibTorchSharp.so");
        byte[] elf = File.ReadAllBytes(path);
        int patched = Patch(elf);
        if (patched < 0) { Log.LogWarning("FaceWeb: {0} is not an ELF64 file; left unchanged.", path); return true; }
        if (patched > 0)
        {
            File.WriteAllBytes(path, elf);
            Log.LogMessage(MessageImportance.High, "FaceWeb: marked {0} weak in {1} (system libstdc++ lacks it).", Needed, path);
        }
        return true;
    }

    static bool SystemHas(string version)
    {
        foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib" })
        {
            string lib = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(lib))
                return IndexOf(File.ReadAllBytes(lib), Encoding.ASCII.GetBytes(version + "\0")) >= 0;
        }
        return false;
    }

    static int IndexOf(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    /// <summary>Returns the number of entries changed, or -1 when the file is not ELF64 LE.</summary>
    static int Patch(byte[] b)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[4] != 2 || b[5] != 1) return -1;
        long shoff = BitConverter.ToInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
        int changed = 0;
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(b, (int)sh + 4) != ShtGnuVerneed) continue;
            long off = BitConverter.ToInt64(b, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(b, (int)sh + 0x28), count = (int)BitConverter.ToUInt32(b, (int)sh + 0x2C);
            long strOff = BitConverter.ToInt64(b, (int)(shoff + (long)link * shentsize) + 0x18);
            long vn = off;
            for (int i = 0; i < count; i++)
            {
                int cnt = BitConverter.ToUInt16(b, (int)vn + 2);
                long aux = vn + BitConverter.ToUInt32(b, (int)vn + 8);
                for (int a = 0; a < cnt; a++)
                {
                    long nameOff = strOff + BitConverter.ToUInt32(b, (int)aux + 8);
                    int end = (int)nameOff; while (b[end] != 0) end++;
                    string name = Encoding.ASCII.GetString(b, (int)nameOff, end - (int)nameOff);
                    ushort flags = BitConverter.ToUInt16(b, (int)aux + 4);
                    if (name == Needed && (flags & VerFlgWeak) == 0)
                    {
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(b, (int)aux + 4);
                        changed++;
                    }
                    aux += BitConverter.ToUInt32(b, (int)aux + 12);
                }
                vn += BitConverter.ToUInt32(b, (int)vn + 12);
            }
        }
        return changed;
    }
}
