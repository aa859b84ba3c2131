using System.Runtime.CompilerServices;

namespace CurveFs.Mount.ObjectStore;

public sealed partial class LocalDirObjectStore
{
    /// <summary>
    /// Walks the directories depth-first in S3 key order. Within a directory a subdirectory sorts as its name
    /// plus '/', which keeps "a-c" before everything under "a/" exactly as S3 orders those keys. Subtrees that
    /// cannot hold a key matching prefix, or only hold keys up to startAfter, are not entered.
    /// </summary>
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, string? startAfter = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        await Task.Yield(); // the walk is synchronous file-system work; never run it on the caller's stack
        int lastSlash = prefix.LastIndexOf('/');
        string startKey = lastSlash < 0 ? string.Empty : prefix[..(lastSlash + 1)];
        // A prefix whose directory part is no valid key path (".." or "//" inside) matches no key.
        if (startKey.Length > 0 && KeyProblem(startKey[..^1]) is not null) yield break;
        foreach (ObjectInfo info in Walk(Path.Join(RootDirectory, startKey), startKey, prefix, startAfter, cancellationToken))
            yield return info;
    }

    private static IEnumerable<ObjectInfo> Walk(string directory, string directoryKey, string prefix, string? startAfter,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var entries = new List<(string Key, FileSystemInfo Info)>();
        try
        {
            foreach (FileSystemInfo entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
            {
                if (entry.Name.StartsWith(ReservedNamePrefix, StringComparison.Ordinal)) continue;
                bool isDirectory = (entry.Attributes & FileAttributes.Directory) != 0;
                string key = isDirectory ? directoryKey + entry.Name + "/" : directoryKey + entry.Name;
                if (isDirectory ? MayHoldMatches(key, prefix, startAfter) : Matches(key, prefix, startAfter))
                    entries.Add((key, entry));
            }
        }
        catch (DirectoryNotFoundException)
        {
            yield break; // nothing was ever stored under this directory, or it is a file
        }
        catch (IOException) when (!Directory.Exists(directory))
        {
            yield break; // a file named like the directory: it holds no keys
        }
        entries.Sort(static (x, y) => ObjectKeyOrder.Compare(x.Key, y.Key));

        foreach ((string key, FileSystemInfo info) in entries)
        {
            if (info is FileInfo file)
            {
                if (TryStat(file) is ObjectInfo found) yield return found with { Key = key };
                continue;
            }
            foreach (ObjectInfo nested in Walk(info.FullName, key, prefix, startAfter, cancellationToken))
                yield return nested;
        }
    }

    private static bool Matches(string key, string prefix, string? startAfter) =>
        key.StartsWith(prefix, StringComparison.Ordinal) && (startAfter is null || ObjectKeyOrder.Compare(key, startAfter) > 0);

    /// <summary>Whether keys under directoryKey (which ends in '/') can match: every such key starts with it.</summary>
    private static bool MayHoldMatches(string directoryKey, string prefix, string? startAfter) =>
        (directoryKey.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(directoryKey, StringComparison.Ordinal))
        && (startAfter is null
            || ObjectKeyOrder.Compare(directoryKey, startAfter) > 0
            || startAfter.StartsWith(directoryKey, StringComparison.Ordinal));

    private static ObjectInfo? TryStat(FileInfo file)
    {
        try
        {
            return file.Exists ? new ObjectInfo(file.Name, file.Length, file.LastWriteTimeUtc) : null;
        }
        catch (FileNotFoundException)
        {
            return null; // deleted while listing
        }
    }
}
