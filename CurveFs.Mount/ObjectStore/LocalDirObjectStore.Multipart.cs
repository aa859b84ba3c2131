using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace CurveFs.Mount.ObjectStore;

/// <summary>
/// Multipart uploads staged under ROOT/.curvefs-multipart/UPLOADID/: a file "key" naming the target and one
/// file per part ("00001.part"). ETags are the parts' MD5 in hex, as on S3, and Complete checks them.
/// </summary>
public sealed partial class LocalDirObjectStore
{
    private const string MultipartDirectoryName = ReservedNamePrefix + "multipart";
    private const string UploadKeyFileName = "key";
    private const int MaxPartNumber = 10_000;

    private string MultipartDirectory => Path.Join(RootDirectory, MultipartDirectoryName);

    public Task<string> CreateMultipartAsync(string key, CancellationToken cancellationToken = default) =>
        AsTask(() => CreateMultipart(key));

    public Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default) =>
        AsTask(() =>
        {
            // Aborting an upload that is already gone succeeds: abort is cleanup and may be repeated.
            DeleteUploadDirectory(UploadDirectory(key, uploadId, mustExist: false));
            return true;
        });

    private string CreateMultipart(string key)
    {
        _ = PathOf(key); // validates the key now rather than at Complete
        string uploadId = Guid.NewGuid().ToString("N");
        string directory = Path.Join(MultipartDirectory, uploadId);
        try
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Join(directory, UploadKeyFileName), key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("create multipart upload", key, e);
        }
        return uploadId;
    }

    public async Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data,
        CancellationToken cancellationToken = default)
    {
        if (partNumber is < 1 or > MaxPartNumber)
            throw new ObjectStoreException($"part number {partNumber} of the upload of '{key}' is outside 1..{MaxPartNumber}");
        string directory = UploadDirectory(key, uploadId);
        try
        {
            // No directory creation here: an aborted upload must stay gone.
            await WriteAtomicallyAsync(PartPath(directory, partNumber), createDirectories: false, data.Length,
                async handle => await RandomAccess.WriteAsync(handle, data, 0, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (DirectoryNotFoundException e)
        {
            throw NoSuchUpload(key, uploadId, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure($"upload of part {partNumber}", key, e);
        }
        return new UploadedPart(partNumber, Convert.ToHexStringLower(MD5.HashData(data.Span)));
    }

    public async Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts,
        CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        string directory = UploadDirectory(key, uploadId);
        if (parts.Count == 0) throw new ObjectStoreException($"completing the upload of '{key}' needs at least one part");
        UploadedPart[] ordered = [.. parts];
        Array.Sort(ordered, static (x, y) => x.PartNumber.CompareTo(y.PartNumber));
        long size = 0;
        for (int i = 0; i < ordered.Length; i++)
        {
            if (i > 0 && ordered[i].PartNumber == ordered[i - 1].PartNumber)
                throw new ObjectStoreException($"part {ordered[i].PartNumber} appears twice in the completion of '{key}'");
            var part = new FileInfo(PartPath(directory, ordered[i].PartNumber));
            if (!part.Exists)
                throw new ObjectStoreException($"part {ordered[i].PartNumber} of upload {uploadId} for '{key}' was never uploaded");
            size += part.Length;
        }
        try
        {
            await WriteAtomicallyAsync(path, createDirectories: true, size,
                handle => ConcatenatePartsAsync(handle, directory, key, ordered, cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException && !Directory.Exists(directory))
        {
            throw NoSuchUpload(key, uploadId, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("complete multipart upload", key, e);
        }
        DeleteUploadDirectory(directory);
    }

    private async Task ConcatenatePartsAsync(SafeFileHandle target, string directory, string key, UploadedPart[] parts,
        CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long written = 0;
            foreach (UploadedPart part in parts)
            {
                using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
                using SafeFileHandle source = File.OpenHandle(PartPath(directory, part.PartNumber), FileMode.Open, FileAccess.Read, FileShare.Read);
                long offset = 0;
                int n;
                while ((n = await RandomAccess.ReadAsync(source, buffer, offset, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    md5.AppendData(buffer, 0, n);
                    await RandomAccess.WriteAsync(target, buffer.AsMemory(0, n), written, cancellationToken).ConfigureAwait(false);
                    offset += n;
                    written += n;
                }
                string actual = Convert.ToHexStringLower(md5.GetHashAndReset());
                if (!string.Equals(actual, part.ETag.Trim('"'), StringComparison.OrdinalIgnoreCase))
                    throw new ObjectStoreException(
                        $"part {part.PartNumber} of '{key}' has ETag {actual}, not {part.ETag}: it was uploaded again after that ETag was taken");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The staging directory of an upload, after checking the ID's shape and that it belongs to key.</summary>
    private string UploadDirectory(string key, string uploadId, bool mustExist = true)
    {
        _ = PathOf(key);
        if (uploadId is null || uploadId.Length != 32 || !uploadId.All(char.IsAsciiHexDigitLower))
            throw new ObjectStoreException($"'{uploadId}' is not an upload ID of {Description}");
        string directory = Path.Join(MultipartDirectory, uploadId);
        string recordedKey;
        try
        {
            recordedKey = File.ReadAllText(Path.Join(directory, UploadKeyFileName));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            if (!mustExist) return directory;
            throw NoSuchUpload(key, uploadId, e);
        }
        if (recordedKey != key)
            throw new ObjectStoreException($"upload {uploadId} is for '{recordedKey}', not '{key}'");
        return directory;
    }

    private static string PartPath(string uploadDirectory, int partNumber) =>
        Path.Join(uploadDirectory, partNumber.ToString("D5", System.Globalization.CultureInfo.InvariantCulture) + ".part");

    private void DeleteUploadDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // already completed or aborted
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ObjectStoreException($"cannot remove the multipart staging directory {directory}: {e.Message}", e);
        }
    }

    private ObjectStoreException NoSuchUpload(string key, string uploadId, Exception inner) =>
        new($"multipart upload {uploadId} of '{key}' does not exist in {Description} (completed or aborted already?)", inner);
}
