using CurveFs.Common.Fs;
using Microsoft.Win32.SafeHandles;

namespace CurveFs.Mount.ObjectStore;

/// <summary>
/// Objects as files under a root directory: key "a/b/c" is the file ROOT/a/b/c. Used by the embedded
/// single-machine mode and by tests of the layers above the store.
/// <para>
/// A put writes a temporary file beside the target and renames it over the target, so a reader sees the old
/// object or the whole new one, and a completed put survives a kill -9 (the kernel holds it). Puts are not
/// fsynced one by one: <see cref="SyncAsync"/> (called by fsync) flushes all of them with one syncfs, so small
/// files cost a rename, not two fsyncs each.
/// Names starting with ".curvefs-" are reserved (temporary files, the multipart staging directory) and are
/// never valid key segments nor listed. Directories left empty by deletes stay (removing them would race
/// with concurrent puts into them); they cost nothing in listings. Every method is safe to call concurrently.
/// </para>
/// </summary>
public sealed partial class LocalDirObjectStore : IObjectStore
{
    internal const string ReservedNamePrefix = ".curvefs-";
    private const string TempFilePrefix = ".curvefs-tmp.";

    private readonly bool _durable;
    private readonly SemaphoreSlim _syncing = new(1, 1);
    /// <summary>Puts (and new directories) since the last <see cref="SyncAsync"/> began.</summary>
    private long _unsynced;

    /// <param name="rootDirectory">Where the objects live; created when missing.</param>
    /// <param name="durable"><see cref="SyncAsync"/> flushes puts to disk (the default). Tests may turn it off for speed.</param>
    public LocalDirObjectStore(string rootDirectory, bool durable = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        RootDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
        _durable = durable;
        try
        {
            Directory.CreateDirectory(RootDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ObjectStoreException($"cannot create the object directory {RootDirectory}: {e.Message}", e);
        }
    }

    /// <summary>The absolute path of the root directory.</summary>
    public string RootDirectory { get; }

    public string Description => $"local directory {RootDirectory}";

    public async Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        try
        {
            await WriteAtomicallyAsync(path, createDirectories: true, data.Length,
                async handle => await RandomAccess.WriteAsync(handle, data, 0, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("put", key, e);
        }
    }

    public async Task<int> GetAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        string path = PathOf(key);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (IsMissing(e, path))
        {
            throw new ObjectNotFoundException(key, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("get", key, e);
        }
        using (handle)
        {
            int total = 0;
            try
            {
                while (total < destination.Length)
                {
                    int n = await RandomAccess.ReadAsync(handle, destination[total..], offset + total, cancellationToken).ConfigureAwait(false);
                    if (n == 0) break;
                    total += n;
                }
            }
            catch (IOException e)
            {
                throw Failure("get", key, e);
            }
            return total;
        }
    }

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default) => AsTask(() => Head(key));

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => AsTask(() => Delete(key));

    public async Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        foreach (string key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task SyncAsync(CancellationToken cancellationToken = default)
    {
        if (!_durable || Interlocked.Read(ref _unsynced) == 0) return;
        await _syncing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Everything counted before syncfs starts is on disk when it returns; later puts stay counted.
            var pending = Interlocked.Read(ref _unsynced);
            if (pending == 0) return;
            await Task.Run(() => DirectorySync.SyncFilesystem(RootDirectory), CancellationToken.None).ConfigureAwait(false);
            Interlocked.Add(ref _unsynced, -pending);
        }
        catch (IOException e)
        {
            throw new ObjectStoreException($"{Description}: flushing objects to disk failed: {e.Message}", e);
        }
        finally
        {
            _syncing.Release();
        }
    }

    /// <summary>Flushes what is not on disk yet, so a clean unmount leaves nothing to a machine crash.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await SyncAsync().ConfigureAwait(false);
        }
        catch (ObjectStoreException)
        {
            // Nothing acknowledged depends on it: fsync would have reported the failure.
        }
    }

    private ObjectInfo? Head(string key)
    {
        var info = new FileInfo(PathOf(key));
        try
        {
            // Exists is false for a directory, which is not an object.
            return info.Exists ? new ObjectInfo(key, info.Length, info.LastWriteTimeUtc) : null;
        }
        catch (FileNotFoundException)
        {
            return null; // deleted between the check and the stat
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("head", key, e);
        }
    }

    private bool Delete(string key)
    {
        string path = PathOf(key);
        try
        {
            File.Delete(path); // a missing file is not an error
        }
        catch (Exception e) when (IsMissing(e, path))
        {
            // a missing parent directory, or a directory where the key would be: no such object either way
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("delete", key, e);
        }
        return true;
    }

    /// <summary>Runs synchronous file work so that its failure is a faulted task, as from any async method.</summary>
    private static Task<T> AsTask<T>(Func<T> operation)
    {
        try
        {
            return Task.FromResult(operation());
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    public override string ToString() => Description;

    /// <summary>The file that holds key, after checking that the key cannot leave the root.</summary>
    private string PathOf(string key)
    {
        if (KeyProblem(key) is string problem)
            throw new ObjectStoreException($"invalid object key '{Printable(key)}' for {Description}: {problem}");
        string path = Path.GetFullPath(Path.Join(RootDirectory, key));
        if (!path.StartsWith(RootDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ObjectStoreException($"invalid object key '{Printable(key)}' for {Description}: it leads outside the root directory");
        return path;
    }

    /// <summary>Why key is not a valid key here, or null when it is.</summary>
    internal static string? KeyProblem(string? key)
    {
        if (string.IsNullOrEmpty(key)) return "the key is empty";
        if (key.Contains('\0')) return "a key cannot contain a NUL character";
        if (key[0] == '/') return "a key cannot start with '/'";
        if (Path.DirectorySeparatorChar != '/' && key.Contains(Path.DirectorySeparatorChar))
            return $"a key cannot contain '{Path.DirectorySeparatorChar}' on this system";
        foreach (Range range in key.AsSpan().Split('/'))
        {
            ReadOnlySpan<char> segment = key.AsSpan()[range];
            if (segment.IsEmpty) return "a key cannot have an empty segment ('//' or a trailing '/')";
            if (segment is "." or "..") return "a key cannot have '.' or '..' segments";
            if (segment.StartsWith(ReservedNamePrefix, StringComparison.Ordinal))
                return $"names starting with '{ReservedNamePrefix}' are reserved for the store's own files";
        }
        return null;
    }

    /// <summary>
    /// Writes a file through a temporary file in the same directory: write, rename over path (both made durable
    /// by the next <see cref="SyncAsync"/>). Readers never see a partial file; a crash leaves at most a
    /// temporary file behind.
    /// </summary>
    private async Task WriteAtomicallyAsync(string path, bool createDirectories, long sizeHint, Func<SafeFileHandle, Task> write)
    {
        string directory = Path.GetDirectoryName(path)!;
        if (createDirectories) EnsureDirectory(directory);
        string temp = Path.Join(directory, TempFilePrefix + Guid.NewGuid().ToString("N"));
        try
        {
            using (SafeFileHandle handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, sizeHint))
            {
                await write(handle).ConfigureAwait(false);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDeleteFile(temp);
            throw;
        }
        Interlocked.Increment(ref _unsynced);
    }

    /// <summary>Creates directory and its missing parents.</summary>
    private void EnsureDirectory(string directory)
    {
        if (Directory.Exists(directory)) return;
        string parent = Path.GetDirectoryName(directory)!;
        if (parent.Length >= RootDirectory.Length) EnsureDirectory(parent);
        Directory.CreateDirectory(directory);
        Interlocked.Increment(ref _unsynced);
    }

    /// <summary>The key of an object that sits where a directory of key would have to be, if any.</summary>
    private string? ObjectAbove(string key)
    {
        for (int slash = key.IndexOf('/'); slash > 0; slash = key.IndexOf('/', slash + 1))
        {
            if (File.Exists(Path.Join(RootDirectory, key[..slash]))) return key[..slash];
        }
        return null;
    }

    private static bool IsMissing(Exception e, string path) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => true,
        // a directory where the file would be, or a file where a parent directory would be
        UnauthorizedAccessException or IOException => !File.Exists(path),
        _ => false,
    };

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // best effort: a leftover temporary file is never listed and is harmless
        }
    }

    private ObjectStoreException Failure(string operation, string key, Exception e)
    {
        string hint = e.HResult == 28 || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
            ? ": the disk is full, free space under " + RootDirectory
            : ObjectAbove(key) is string parent
                ? $": '{parent}' is an object, and a local directory cannot hold both '{parent}' and keys under '{parent}/'"
                : string.Empty;
        return new ObjectStoreException($"{operation} of '{Printable(key)}' in {Description} failed: {e.Message}{hint}", e);
    }

    private static string Printable(string? key) => key is null ? "(null)" : key.Replace("\0", "\\0", StringComparison.Ordinal);
}
