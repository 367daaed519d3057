// CLIP's byte-level BPE tokenizer — Radford et al. 2021; port of openai/CLIP clip/simple_tokenizer.py.
// Facts it must match: ../shared/specs/clip.md. ftfy is not applied (a no-op on ordinary text).
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using FaceWeb.Engine.Checkpoints;

namespace FaceWeb.Engine.TextImage;

public sealed partial class ClipTokenizer
{
    public const int StartOfText = 49406, EndOfText = 49407, ContextLength = 77;
    const int MergeCount = 49152 - 256 - 2;   // merges used by CLIP: lines 2 … 48 895 of the vocab file

    readonly Dictionary<string, int> encoder = new(StringComparer.Ordinal);
    readonly Dictionary<(string, string), int> ranks = new();
    readonly string[] byteToChar;   // byte value → symbol
    readonly Dictionary<string, string> cache = new(StringComparer.Ordinal)
    {
        ["<|startoftext|>"] = "<|startoftext|>",
        ["<|endoftext|>"] = "<|endoftext|>",
    };

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase)]
    private static partial Regex PreSplit();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    ClipTokenizer(IReadOnlyList<(string, string)> merges)
    {
        (byteToChar, var byteSymbols) = ByteToUnicode();
        var symbols = new List<string>(byteSymbols);               // the 256 byte symbols, in byte_encoder order
        symbols.AddRange(byteSymbols.Select(c => c + "</w>"));
        for (int i = 0; i < merges.Count; i++)
        {
            ranks[merges[i]] = i;
            symbols.Add(merges[i].Item1 + merges[i].Item2);
        }
        symbols.Add("<|startoftext|>");
        symbols.Add("<|endoftext|>");
        for (int i = 0; i < symbols.Count; i++) encoder[symbols[i]] = i;
    }

    /// <summary>Loads <c>bpe_simple_vocab_16e6.txt.gz</c> (gzip; or the same text uncompressed).</summary>
    public static ClipTokenizer Load(string vocabPath)
    {
        if (!File.Exists(vocabPath)) throw new CheckpointException($"{vocabPath}: BPE vocabulary file not found.");
        string[] lines;
        try
        {
            using var file = File.OpenRead(vocabPath);
            bool gz = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
            file.Position = 0;
            using Stream s = gz ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var reader = new StreamReader(s, new UTF8Encoding(false, throwOnInvalidBytes: true));
            lines = reader.ReadToEnd().Split('\n');
        }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException or IOException)
        {
            throw new CheckpointException($"{vocabPath}: not a readable BPE vocabulary ({e.Message}).", e);
        }
        if (lines.Length < MergeCount + 1)
            throw new CheckpointException($"{vocabPath}: has {lines.Length} lines; CLIP's vocabulary has {MergeCount} merges after a header line.");
        var merges = new List<(string, string)>(MergeCount);
        for (int i = 1; i <= MergeCount; i++)
        {
            var parts = lines[i].Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new CheckpointException($"{vocabPath}: line {i + 1} is not a merge ('{Truncate(lines[i])}').");
            merges.Add((parts[0], parts[1]));
        }
        return new ClipTokenizer(merges);
    }

    /// <summary>BPE ids of a text, without start/end tokens.</summary>
    public List<int> Encode(string text)
    {
        var ids = new List<int>();
        string clean = Whitespace().Replace(WebUtility.HtmlDecode(WebUtility.HtmlDecode(text)).Trim(), " ").Trim().ToLowerInvariant();
        foreach (Match m in PreSplit().Matches(clean))
        {
            var sb = new StringBuilder();
            foreach (byte b in Encoding.UTF8.GetBytes(m.Value)) sb.Append(byteToChar[b]);  // lone surrogates → U+FFFD
            foreach (var piece in Bpe(sb.ToString()).Split(' ')) ids.Add(encoder[piece]);
        }
        return ids;
    }

    /// <summary>[start] + ids + [end], zero-padded to 77; when too long, cut to 77 with the last id set to end-of-text.</summary>
    public long[] Tokenize(string text)
    {
        var ids = Encode(text);
        var tokens = new long[ContextLength];
        tokens[0] = StartOfText;
        int n = Math.Min(ids.Count, ContextLength - 2);
        for (int i = 0; i < n; i++) tokens[i + 1] = ids[i];
        tokens[n + 1] = EndOfText;
        return tokens;
    }

    string Bpe(string token)
    {
        if (cache.TryGetValue(token, out var done)) return done;
        var word = new List<string>();
        for (int i = 0; i < token.Length; i++) word.Add(token[i].ToString());  // byte symbols are single BMP chars
        word[^1] += "</w>";
        while (word.Count > 1)
        {
            int best = int.MaxValue;
            (string, string) bigram = default;
            for (int i = 0; i + 1 < word.Count; i++)
                if (ranks.TryGetValue((word[i], word[i + 1]), out int r) && r < best) (best, bigram) = (r, (word[i], word[i + 1]));
            if (best == int.MaxValue) break;
            var merged = new List<string>(word.Count);
            for (int i = 0; i < word.Count; i++)
            {
                if (i + 1 < word.Count && word[i] == bigram.Item1 && word[i + 1] == bigram.Item2)
                {
                    merged.Add(bigram.Item1 + bigram.Item2);
                    i++;
                }
                else merged.Add(word[i]);
            }
            word = merged;
        }
        string result = string.Join(' ', word);
        if (cache.Count < 100_000) cache[token] = result;
        return result;
    }

    /// <summary>GPT-2's reversible byte → printable-character map: indexed by byte, and in vocabulary order.</summary>
    static (string[] ByByte, string[] InVocabOrder) ByteToUnicode()
    {
        var bs = new List<int>();
        for (int b = '!'; b <= '~'; b++) bs.Add(b);
        for (int b = '¡'; b <= '¬'; b++) bs.Add(b);
        for (int b = '®'; b <= 'ÿ'; b++) bs.Add(b);
        var cs = new List<int>(bs);
        int n = 0;
        for (int b = 0; b < 256; b++)
            if (!bs.Contains(b)) { bs.Add(b); cs.Add(256 + n++); }
        var byByte = new string[256];
        for (int i = 0; i < 256; i++) byByte[bs[i]] = ((char)cs[i]).ToString();
        return (byByte, cs.Select(c => ((char)c).ToString()).ToArray());
    }

    static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
