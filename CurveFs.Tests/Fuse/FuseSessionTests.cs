using System.Diagnostics;
using CurveFs.Mount.Fuse;
using Xunit;
using Xunit.Abstractions;

namespace CurveFs.Tests.Fuse;

/// <summary>Session lifecycle against real mounts: every way the loop can end, and what arrives from the kernel.</summary>
[Trait("Category", "Integration")]
public sealed class FuseSessionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RunEnds = TimeSpan.FromSeconds(10);

    [Fact]
    public void UnmountFromOutside_EndsRunCleanly()
    {
        using var mount = new FuseMountFixture(completeAsynchronously: false);
        File.WriteAllText(mount.PathOf("f"), "x");

        FuseMountTable.Unmount(mount.Root, lazy: false);

        Assert.True(mount.WaitForRunToEnd(RunEnds), "Run() should return after fusermount3 -u");
        Assert.Null(mount.RunError);
        Assert.False(FuseMountTable.IsMounted(mount.Root));
        Assert.True(mount.Vfs.DestroyCalled);
    }

    [Fact]
    public void Exit_EndsRunAndUnmounts()
    {
        using var mount = new FuseMountFixture(completeAsynchronously: true);
        Assert.True(FuseMountTable.IsMounted(mount.Root));
        File.WriteAllText(mount.PathOf("f"), "x");

        mount.Session.Exit();

        Assert.True(mount.WaitForRunToEnd(RunEnds), "Run() should return after Exit()");
        Assert.Null(mount.RunError);
        Assert.False(FuseMountTable.IsMounted(mount.Root));
        Assert.True(mount.Vfs.DestroyCalled);
    }

    [Fact]
    public void Exit_WithAFileOpen_StillEndsRun()
    {
        using var mount = new FuseMountFixture(completeAsynchronously: false);
        using var open = new FileStream(mount.PathOf("held"), FileMode.CreateNew);

        mount.Session.Exit();

        Assert.True(mount.WaitForRunToEnd(RunEnds), "Run() should return even while a file is open");
        Assert.False(FuseMountTable.IsMounted(mount.Root));
    }

    [Fact]
    public void Unmount_WhileBusy_FailsClearly_LazyUnmountEndsRunOnceReleased()
    {
        using var mount = new FuseMountFixture(completeAsynchronously: false);
        var held = new FileStream(mount.PathOf("held"), FileMode.CreateNew);
        try
        {
            var ex = Assert.Throws<FuseException>(() => FuseMountTable.Unmount(mount.Root, lazy: false));
            Assert.Contains("busy", ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(mount.Root, ex.Message);

            FuseMountTable.Unmount(mount.Root, lazy: true);
            Assert.False(FuseMountTable.IsMounted(mount.Root));
            Assert.False(mount.WaitForRunToEnd(TimeSpan.FromMilliseconds(200)), "an open file keeps the connection alive");
            held.Write("still works"u8);
        }
        finally
        {
            held.Dispose();
        }
        Assert.True(mount.WaitForRunToEnd(RunEnds), "Run() should return once the last file closes");
        Assert.Null(mount.RunError);
    }

    [Fact]
    public void Sigterm_EndsRunAndUnmounts()
    {
        var vfs = new InMemoryTestVfs(completeAsynchronously: false);
        string root = Directory.CreateTempSubdirectory("curvefs-fuse-").FullName;
        try
        {
            using var session = new FuseSession(vfs, root, ["fsname=curvefs-test"], new CollectingLogger(), maxThreads: 4);
            session.Mount();
            var runner = new Thread(session.Run) { IsBackground = true };
            runner.Start();
            File.WriteAllText(Path.Combine(root, "f"), "x"); // the loop is up and the handlers registered

            const int sigterm = 15;
            Assert.Equal(0, Libc.kill(Environment.ProcessId, sigterm));

            Assert.True(runner.Join(RunEnds), "Run() should return after SIGTERM");
            Assert.False(FuseMountTable.IsMounted(root));
        }
        finally
        {
            if (FuseMountTable.IsMounted(root)) FuseMountTable.Unmount(root, lazy: true);
            Directory.Delete(root);
        }
    }

    [Fact]
    public void Dispose_MountedButNeverRun_Unmounts()
    {
        string root = Directory.CreateTempSubdirectory("curvefs-fuse-").FullName;
        try
        {
            var session = new FuseSession(new InMemoryTestVfs(false), root, [], new CollectingLogger());
            session.Mount();
            Assert.True(FuseMountTable.IsMounted(root));

            session.Dispose();

            Assert.False(FuseMountTable.IsMounted(root));
        }
        finally
        {
            if (FuseMountTable.IsMounted(root)) FuseMountTable.Unmount(root, lazy: true);
            Directory.Delete(root);
        }
    }

    [Fact]
    public void VfsInitThrows_RunThrowsAndUnmounts()
    {
        var vfs = new InMemoryTestVfs(false) { InitException = new InvalidOperationException("no metaserver reachable") };
        string root = Directory.CreateTempSubdirectory("curvefs-fuse-").FullName;
        try
        {
            using var session = new FuseSession(vfs, root, [], new CollectingLogger()) { HandleSignals = false };
            session.Mount();

            var ex = Assert.Throws<FuseException>(session.Run);

            Assert.Contains("no metaserver reachable", ex.Message);
            Assert.IsType<InvalidOperationException>(ex.InnerException);
            Assert.False(FuseMountTable.IsMounted(root));
        }
        finally
        {
            if (FuseMountTable.IsMounted(root)) FuseMountTable.Unmount(root, lazy: true);
            Directory.Delete(root);
        }
    }

    [Fact]
    public void Mount_UnknownOption_ThrowsWithLibfusesReason()
    {
        string root = Directory.CreateTempSubdirectory("curvefs-fuse-").FullName;
        try
        {
            using var session = new FuseSession(new InMemoryTestVfs(false), root, ["fsname=x", "no_such_option"], new CollectingLogger());

            var ex = Assert.Throws<FuseException>(session.Mount);

            Assert.Contains("no_such_option", ex.Message);
            Assert.False(FuseMountTable.IsMounted(root));
        }
        finally
        {
            Directory.Delete(root);
        }
    }

    [Fact]
    public void Mount_MissingDirectory_SaysSo()
    {
        string missing = Path.Combine(Path.GetTempPath(), "curvefs-missing-" + Guid.NewGuid().ToString("N"));
        using var session = new FuseSession(new InMemoryTestVfs(false), missing, [], new CollectingLogger());

        var ex = Assert.Throws<FuseException>(session.Mount);

        Assert.Contains("does not exist", ex.Message);
    }

    [Fact]
    public void Options_ReachTheMount()
    {
        using var mount = new FuseMountFixture(false, ["fsname=curvefs-opt", "subtype=curvefs", "ro", "default_permissions", "allow_other"]);

        FuseMountTable.MountEntry entry = FuseMountTable.Find(mount.Root)!;
        Assert.Equal("fuse.curvefs", entry.FsType);
        Assert.Equal("curvefs-opt", entry.Source);
        var ex = Assert.ThrowsAny<IOException>(() => File.WriteAllText(mount.PathOf("f"), "x"));
        Assert.Contains("Read-only", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void CloneFd_ServesRequests()
    {
        var vfs = new InMemoryTestVfs(false);
        string root = Directory.CreateTempSubdirectory("curvefs-fuse-").FullName;
        try
        {
            using var session = new FuseSession(vfs, root, [], new CollectingLogger()) { CloneFd = true, HandleSignals = false };
            session.Mount();
            var runner = new Thread(session.Run) { IsBackground = true };
            runner.Start();

            Parallel.For(0, 64, i => File.WriteAllText(Path.Combine(root, $"f{i}"), $"{i}"));
            Assert.Equal(64, Directory.GetFiles(root).Length);

            FuseMountTable.Unmount(root, lazy: false);
            Assert.True(runner.Join(RunEnds));
        }
        finally
        {
            if (FuseMountTable.IsMounted(root)) FuseMountTable.Unmount(root, lazy: true);
            Directory.Delete(root);
        }
    }

    /// <summary>Not a pass/fail test of the kernel: it records what the kernel sends so the numbers in
    /// docs/fuse-binding.md stay checkable, and asserts the 1 MiB max_write took effect.</summary>
    [Fact]
    public void Measure_WriteAndReadSizesThatArrive()
    {
        using var mount = new FuseMountFixture(completeAsynchronously: false);
        byte[] chunk = new byte[4 << 20];
        Random.Shared.NextBytes(chunk);
        var sw = Stopwatch.StartNew();
        using (var stream = new FileStream(mount.PathOf("big"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            for (int i = 0; i < 8; i++) stream.Write(chunk, 0, 1 << 20);     // 1 MiB write(2)s
            stream.Write(chunk, 0, 4 << 20);                                   // one 4 MiB write(2)
            for (int i = 0; i < 256; i++) stream.Write(chunk, 0, 4096);      // 4 KiB write(2)s
        }
        var bigWrites = new Dictionary<int, int>(mount.Vfs.WriteSizes);
        using (var stream = new FileStream(mount.PathOf("big"), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0))
        {
            byte[] buffer = new byte[1 << 20];
            while (stream.Read(buffer) > 0) { }
        }
        sw.Stop();

        output.WriteLine($"connection: {mount.Session.Connection}");
        output.WriteLine("write sizes (bytes x count): " + string.Join(", ", bigWrites.OrderByDescending(p => p.Key).Select(p => $"{p.Key} x {p.Value}")));
        output.WriteLine("read sizes (bytes x count): " + string.Join(", ", mount.Vfs.ReadSizes.OrderByDescending(p => p.Key).Select(p => $"{p.Key} x {p.Value}")));
        output.WriteLine($"elapsed {sw.ElapsedMilliseconds} ms");

        Assert.Equal(1u << 20, mount.Session.Connection!.MaxWrite);
        Assert.Equal(1 << 20, bigWrites.Keys.Max());
        Assert.Equal(12, bigWrites[1 << 20]);
        Assert.Equal(256, bigWrites[4096]);
    }
}
