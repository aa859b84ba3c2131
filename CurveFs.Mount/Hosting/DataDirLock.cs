namespace CurveFs.Mount.Hosting;

/// <summary>
/// Keeps one process at a time on a data directory: an exclusively opened <c>DATA_DIR/lock</c> file
/// (an flock on Linux, released by the kernel when the process dies, even by kill -9).
/// </summary>
public sealed class DataDirLock : IDisposable
{
    private readonly FileStream _file;

    private DataDirLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, waiting up to <paramref name="wait"/> for a previous process to let go
    /// (an unmount finishes shortly after fusermount returns).</summary>
    public static DataDirLock Acquire(string dataDir, TimeSpan wait)
    {
        var path = Path.Combine(dataDir, "lock");
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                file.SetLength(0);
                var pid = System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n");
                file.Write(pid);
                file.Flush();
                return new DataDirLock(file);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
            catch (IOException e)
            {
                var holder = TryReadPid(path);
                throw new IOException($"data directory {dataDir} is in use by another curvefs process{(holder is null ? "" : $" (pid {holder})")}: " +
                    "unmount it first (curvefs umount MOUNTPOINT) or use another directory", e);
            }
        }
    }

    private static string? TryReadPid(string path)
    {
        try
        {
            using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(reader).ReadLine()?.Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _file.Dispose();
}
