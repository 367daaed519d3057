using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FaceWeb.Server.Persistence;

/// <summary>The database could not store (or read) something: locked by another program, read-only, out of disk space,
/// damaged or unreachable, said so a person knows what to do. Each write is one transaction, so when this is thrown
/// nothing of it was stored and nothing stored before is touched.</summary>
public sealed class StorageException(string message, Exception inner) : InvalidOperationException(message, inner);

public static class StorageErrors
{
    const string Unchanged = "nothing was changed";

    /// <summary>What went wrong with the database, as a <see cref="StorageException"/>; null when <paramref name="e"/> is not a
    /// database failure (then it is the caller's to handle).</summary>
    public static StorageException? Explain(Exception e, string prefix = "Not saved")
    {
        if (e is StorageException s) return s;
        var inner = e is DbUpdateException { InnerException: { } i } ? i : e;
        string? why = inner switch
        {
            SqliteException q => q.SqliteErrorCode switch
            {
                5 or 6 => $"the database is busy (another program holds a lock on it); {Unchanged}. Try again in a moment.",
                8 => $"the database is read-only (check the data folder's permissions); {Unchanged}.",
                13 => $"the disk is full; {Unchanged}. Free some space and try again.",
                11 or 26 => $"the database file is damaged; {Unchanged}. Restore it from a backup.",
                10 or 14 => $"the database file could not be read or written (an I/O error); {Unchanged}.",
                _ => $"the database refused the change (SQLite error {q.SqliteErrorCode}); {Unchanged}.",
            },
            PostgresException p => p.SqlState switch
            {
                "53100" => $"the database server's disk is full; {Unchanged}.",
                "25006" => $"the database is read-only; {Unchanged}.",
                "55P03" or "40P01" or "40001" => $"the database is busy; {Unchanged}. Try again in a moment.",
                _ => $"the database refused the change ({p.SqlState}); {Unchanged}.",
            },
            NpgsqlException => $"the database server cannot be reached; {Unchanged}.",
            DbException => $"the database failed; {Unchanged}.",
            _ => null,
        };
        return why is null ? null : new StorageException($"{prefix}: {why}", e);
    }

    /// <summary>Runs a write, turning a database failure into a <see cref="StorageException"/>.</summary>
    public static async Task<T> Guard<T>(Func<Task<T>> write)
    {
        try { return await write(); }
        catch (Exception e) when (e is not StorageException && Explain(e) is { } s) { throw s; }
    }
}
