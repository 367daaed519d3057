using System.Diagnostics;
using FaceWeb.Server.Persistence;
using FaceWeb.Server.Rooms;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FaceWeb.Server.Tests;

/// <summary>#16: a SQLite database that cannot take a write (locked by another program, read-only, damaged, full) gives
/// a clear error, writes nothing, and loses nothing already stored.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RoomStorageTests : IDisposable
{
    static CancellationToken T => TestContext.Current.CancellationToken;
    readonly string data = Directory.CreateTempSubdirectory("faceweb-storage-").FullName;
    string File => Path.Combine(data, "faceweb.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Chattr("-i", File);
        Directory.Delete(data, true);
    }

    async Task<(RoomStore Store, RoomAccess Room, long Node)> Room()
    {
        var db = new Database(null, data, busySeconds: 1);
        await db.MigrateAsync(T);
        var store = new RoomStore(db, new InProcessRoomEvents(NullLogger<InProcessRoomEvents>.Instance), TimeProvider.System, new ConfigurationBuilder().Build());
        var (_, token) = await store.CreateAsync("Kept", "Ada", T);
        var a = await store.ResolveAsync(token, T);
        long node = await store.PostNodeAsync(a, "m", Node(null), T);
        await store.CommentAsync(a, "m", node, "Ada", "first", ct: T);
        return (store, a, node);
    }

    static NewNode Node(long? parent) =>
        new(parent, "edit", "global direction", "{}", "faceweb-mini", "hash", [1, 2, 3, 4], 2, 2, [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 7], "Ada");

    static async Task AssertKept(RoomStore store, RoomAccess a, long node)
    {
        var snap = await store.LoadAsync(a, T);
        Assert.Equal(node, Assert.Single(snap.Nodes).Id);
        Assert.Equal("first", Assert.Single((await store.NodeAsync(a, node, T)).Comments).Text);
    }

    [Fact]
    public async Task A_database_locked_by_another_program_says_busy_writes_nothing_and_works_again_when_released()
    {
        var (store, a, node) = await Room();
        await using (var other = new SqliteConnection($"Data Source={File};Pooling=False"))
        {
            await other.OpenAsync(T);
            await using (var begin = other.CreateCommand()) { begin.CommandText = "BEGIN IMMEDIATE"; await begin.ExecuteNonQueryAsync(T); }  // holds the write lock
            var e = await Assert.ThrowsAsync<StorageException>(() => store.CommentAsync(a, "m", node, "Ada", "second", ct: T));
            Assert.Equal("Not saved: the database is busy (another program holds a lock on it); nothing was changed. Try again in a moment.", e.Message);
            await Assert.ThrowsAsync<StorageException>(() => store.PostNodeAsync(a, "m", Node(node), T));
            await AssertKept(store, a, node);                                       // reads go on; nothing half-written
        }
        await store.CommentAsync(a, "m", node, "Ada", "second", ct: T);            // released: the same write goes through
        Assert.Equal(["first", "second"], (await store.NodeAsync(a, node, T)).Comments.Select(c => c.Text));
    }

    [Fact]
    public async Task A_read_only_database_refuses_writes_with_the_reason_and_keeps_what_it_has()
    {
        var (store, a, node) = await Room();
        SqliteConnection.ClearAllPools();                                            // every connection closed: the WAL is folded in
        if (Environment.UserName == "root" ? !Chattr("+i", File) : !MakeReadOnly(File))
            Assert.Skip("cannot make a file read-only here (root without chattr)");
        var e = await Assert.ThrowsAsync<StorageException>(() => store.PostNodeAsync(a, "m", Node(node), T));
        Assert.Matches("^Not saved: the database (is read-only|file could not be read or written)", e.Message);
        Chattr("-i", File);
        System.IO.File.SetUnixFileMode(File, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        SqliteConnection.ClearAllPools();
        await AssertKept(store, a, node);
    }

    [Fact]
    public async Task A_damaged_database_file_stops_the_start_with_the_reason_and_is_left_as_it_was()
    {
        await Room();
        SqliteConnection.ClearAllPools();
        byte[] bytes = await System.IO.File.ReadAllBytesAsync(File, T);
        "this is not a database!"u8.CopyTo(bytes);                                   // the 16-byte header and more
        await System.IO.File.WriteAllBytesAsync(File, bytes, T);
        var migrator = new DatabaseMigrator(new Database(null, data, busySeconds: 1), NullLogger<DatabaseMigrator>.Instance);
        var e = await Assert.ThrowsAsync<StorageException>(() => migrator.StartAsync(T));
        Assert.StartsWith($"The database at {File} cannot be opened: the database file is damaged", e.Message);
        Assert.Equal(bytes, await System.IO.File.ReadAllBytesAsync(File, T));        // not "repaired" over
    }

    /// <summary>A full disk cannot be made on a shared build machine; the errors SQLite and PostgreSQL give for it are.</summary>
    [Fact]
    public void A_full_disk_and_a_missing_server_are_said_plainly()
    {
        Assert.Equal("Not saved: the disk is full; nothing was changed. Free some space and try again.",
            StorageErrors.Explain(new DbUpdateException("x", new SqliteException("database or disk is full", 13)))!.Message);
        Assert.Equal("Not saved: the database server's disk is full; nothing was changed.",
            StorageErrors.Explain(new PostgresException("could not extend file", "ERROR", "ERROR", "53100"))!.Message);
        Assert.Equal("Not saved: the database server cannot be reached; nothing was changed.",
            StorageErrors.Explain(new NpgsqlException("connection refused"))!.Message);
        Assert.Null(StorageErrors.Explain(new ArgumentException("not a database matter")));
    }

    static bool Chattr(string flag, string path)
    {
        if (!System.IO.File.Exists(path)) return false;
        try
        {
            using var p = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    static bool MakeReadOnly(string path)
    {
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead);
        return true;
    }
}
