using CurveFs.Mount.Fuse;

namespace CurveFs.Tests.Fuse;

/// <summary>
/// A real FUSE mount of an <see cref="InMemoryTestVfs"/> in a temp directory, served on a background thread.
/// Dispose always leaves nothing mounted: it unmounts, waits for Run to return, and falls back to
/// <c>fusermount3 -uz</c>.
/// </summary>
public class FuseMountFixture : IDisposable
{
    private readonly Thread _runner;
    private Exception? _runError;

    internal FuseMountFixture(bool completeAsynchronously, IEnumerable<string>? options = null)
    {
        Vfs = new InMemoryTestVfs(completeAsynchronously);
        Logger = new CollectingLogger();
        Root = Directory.CreateTempSubdirectory("curvefs-fuse-").FullName;
        Session = new FuseSession(Vfs, Root, options ?? ["fsname=curvefs-test", "subtype=curvefs", "auto_unmount"], Logger, maxThreads: 8)
        {
            HandleSignals = false,
            ReplyDrainTimeout = TimeSpan.FromSeconds(5),
        };
        try
        {
            Session.Mount();
        }
        catch
        {
            Directory.Delete(Root);
            throw;
        }
        _runner = new Thread(() =>
        {
            try
            {
                Session.Run();
            }
            catch (Exception ex)
            {
                _runError = ex;
            }
        })
        { IsBackground = true, Name = "fuse-test-loop" };
        _runner.Start();
    }

    internal InMemoryTestVfs Vfs { get; }
    internal CollectingLogger Logger { get; }
    internal FuseSession Session { get; }
    public string Root { get; }
    public Exception? RunError => _runError;

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Waits for Run() to return; true when it did.</summary>
    public bool WaitForRunToEnd(TimeSpan timeout) => _runner.Join(timeout);

    public void Dispose()
    {
        try
        {
            if (_runner.IsAlive) Session.Exit();
            if (!_runner.Join(TimeSpan.FromSeconds(10)) || FuseMountTable.IsMounted(Root))
                FuseMountTable.Unmount(Root, lazy: true);
        }
        catch
        {
            // Leave no stale mount behind even when something above failed.
            if (FuseMountTable.IsMounted(Root)) FuseMountTable.Unmount(Root, lazy: true);
        }
        finally
        {
            Session.Dispose();
            try
            {
                Directory.Delete(Root);
            }
            catch (IOException)
            {
                // A lazily detached mount may hold the directory briefly; the temp dir is harmless.
            }
        }
        GC.SuppressFinalize(this);
    }
}

public sealed class SyncVfsMountFixture() : FuseMountFixture(completeAsynchronously: false);

public sealed class AsyncVfsMountFixture() : FuseMountFixture(completeAsynchronously: true);
