using System.Security.Cryptography;
using System.Text;

namespace FaceWeb.Server;

/// <summary>The random keys FaceWeb hands out (a browser's session key, a room link's token) and how they are stored:
/// only their SHA-256.</summary>
public static class Secrets
{
    /// <summary>128 random bits, base64url (22 characters).</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes (the same as ASCII for the keys above).</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
