using CurveFs.Mds.Embedded;
using CurveFs.Mount.Cli;
using CurveFs.Mount.Data;
using CurveFs.Mount.Fuse;
using CurveFs.Mount.Meta;
using CurveFs.Mount.ObjectStore;
using CurveFs.Mount.Vfs;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Hosting;

/// <summary>Validates a mount request, starts the filesystem (embedded or cluster) and serves FUSE until unmounted.</summary>
public static class MountRunner
{
    public const int ExitUsage = 64;
    public const int ExitFailure = 1;

    public static int Run(MountRequest request)
    {
        if (new[] { request.DataDir, request.MetaServers, request.Mds }.Count(s => s is not null) != 1)
            return Fail("give one of --local DATA_DIR (embedded), --mds ADDRS --fs NAME (cluster), or --metaservers ADDRS --fs NAME --storage LOCATION (metaservers without an MDS)", ExitUsage);
        if (request.Mds is not null && request.FsName is null)
            return Fail("--mds needs --fs NAME (curvefs list-fs --mds ADDRS lists them)", ExitUsage);
        if (request.MetaServers is not null && (request.FsName is null || request.Storage is null))
            return Fail("--metaservers needs --fs NAME and --storage LOCATION (local:/path or s3://bucket?endpoint=URL)", ExitUsage);
        if (!TryTakeCacheTimeouts(ref request, out var timeoutError)) return Fail(timeoutError, ExitUsage);
        if (!TryBuildOptions(request, out var embedded, out var data, out var vfs, out var error)) return Fail(error, ExitUsage);
        if (!ObjectStoreLocation.TryParse(request.Storage, out var storage, out var storageError)) return Fail(storageError, ExitUsage);
        var mountPoint = Path.GetFullPath(request.MountPoint);
        if (File.Exists(mountPoint)) return Fail($"mount point {mountPoint} is a file, not a directory", ExitUsage);
        if (!Directory.Exists(mountPoint))
        {
            // Like other FUSE filesystems, create a missing mount point (but not a missing tree above it by accident).
            if (!Directory.Exists(Path.GetDirectoryName(mountPoint))) return Fail($"the parent of mount point {mountPoint} does not exist: create it first (mkdir -p {mountPoint})", ExitUsage);
            Directory.CreateDirectory(mountPoint);
        }
        if (FuseMountTable.IsMounted(mountPoint)) return Fail($"{mountPoint} is already a mount point: unmount it first (curvefs umount {mountPoint})", ExitFailure);
        if (request.Background)
        {
            var logDirectory = request.DataDir is not null ? Path.GetFullPath(request.DataDir) : Path.GetDirectoryName(mountPoint)!;
            if (request.DataDir is null && request.LogFile is null) request = request with { LogFile = Path.Combine(logDirectory, $"curvefs-{Path.GetFileName(mountPoint)}.log") };
            return Daemonizer.StartInBackground(request, mountPoint, logDirectory);
        }

        using var loggers = Logging.Create(request.LogFile, request.Verbose);
        var logger = loggers.CreateLogger("curvefs");
        ClientStack client;
        IAsyncDisposable owner;
        try
        {
            if (embedded is not null)
            {
                var fs = EmbeddedFilesystem.OpenAsync(embedded, loggers).GetAwaiter().GetResult();
                (client, owner) = (fs.Client, fs);
            }
            else if (request.Mds is not null)
            {
                var mounted = MdsMount.OpenAsync(request.Mds, request.FsName!, storage, mountPoint, data, vfs, loggers).GetAwaiter().GetResult();
                (client, owner) = (mounted.Client, mounted);
            }
            else
            {
                client = OpenClusterAsync(request, storage!, data, vfs, loggers).GetAwaiter().GetResult();
                owner = client;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException
                                      or Common.Snapshot.SnapshotCorruptException or MetaServer.Storage.CommandLogCorruptException
                                      or ObjectStoreException)
        {
            logger.LogError("cannot start: {Message}", e.Message);
            return Fail(e.Message, ExitFailure);
        }
        try
        {
            var fuseOptions = FuseOptionsFor(request, client.Info.Name);
            using var session = new FuseSession(client.Vfs, mountPoint, fuseOptions, loggers.CreateLogger<FuseSession>(), request.Threads);
            client.Vfs.KernelNotifier = session;
            session.Mount();
            logger.LogInformation("mounted {Name} at {MountPoint}", client.Info.Name, mountPoint);
            session.Run();
            logger.LogInformation("unmounted {MountPoint}", mountPoint);
            return 0;
        }
        catch (Exception e) when (e is FuseException or IOException)
        {
            logger.LogError("mount failed: {Message}", e.Message);
            return Fail(e.Message, ExitFailure);
        }
        finally
        {
            owner.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>A client of a metaserver cluster: finds the filesystem by name and its data store.</summary>
    private static async Task<ClientStack> OpenClusterAsync(MountRequest request, ObjectStoreLocation storage, DataClientOptions data, VfsOptions vfs, ILoggerFactory loggers)
    {
        var endpoints = request.MetaServers!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var options = new ClusterMetaClientOptions { Endpoints = endpoints };
        options.Validate();
        var meta = await ClusterMetaClient.ConnectAsync(options, request.FsName!, loggers.CreateLogger<ClusterMetaClient>()).ConfigureAwait(false);
        var store = storage.Open();
        var client = new ClientStack(meta, store, new CopysetChunkIdSource(meta), data, vfs, loggers);
        // Other clients may hold orphans open: leave them (sessions come with the MDS).
        await client.StartAsync(purgeOrphans: false).ConfigureAwait(false);
        return client;
    }

    /// <summary>The FUSE options: the user's -o list on top of CurveFs's defaults. As root, the mount
    /// is shared (allow_other) and the kernel checks permissions as well (default_permissions), the
    /// way multi-user filesystems are mounted.</summary>
    private static List<string> FuseOptionsFor(MountRequest request, string fsName)
    {
        var list = new List<string> { $"fsname=curvefs:{fsName}", "subtype=curvefs" };
        if (ProcessIdentity.EffectiveUid == 0)
        {
            list.Add("allow_other");
            list.Add("default_permissions");
        }
        foreach (var option in request.FuseOptions)
        {
            var key = option.Split('=')[0];
            list.RemoveAll(o => o.Split('=')[0] == key);
            list.Add(option);
        }
        return list;
    }

    /// <summary>-o entry_timeout=S and -o attr_timeout=S (the spelling other FUSE filesystems use) set the
    /// same values as --entry-timeout/--attr-timeout. libfuse's low-level session does not know them,
    /// so they are taken out of the list it gets.</summary>
    private static bool TryTakeCacheTimeouts(ref MountRequest request, out string error)
    {
        error = "";
        var rest = new List<string>();
        var (entry, attr) = (request.EntryTimeout, request.AttrTimeout);
        foreach (var option in request.FuseOptions)
        {
            var parts = option.Split('=', 2);
            if (parts[0] is not ("entry_timeout" or "attr_timeout"))
            {
                rest.Add(option);
                continue;
            }
            if (parts.Length != 2 || !double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
            {
                error = $"invalid -o {option}: give seconds, e.g. -o {parts[0]}=1.5";
                return false;
            }
            if (parts[0] == "entry_timeout") entry = seconds;
            else attr = seconds;
        }
        request = request with { FuseOptions = rest, EntryTimeout = entry, AttrTimeout = attr };
        return true;
    }

    private static bool TryBuildOptions(MountRequest request, out EmbeddedOptions? embedded, out DataClientOptions data, out VfsOptions vfs, out string error)
    {
        embedded = null;
        data = new DataClientOptions();
        vfs = new VfsOptions();
        error = "";
        if (!SizeParser.TryParse(request.ChunkSize, out var chunk) || chunk > uint.MaxValue) { error = $"invalid --chunk-size '{request.ChunkSize}'"; return false; }
        if (!SizeParser.TryParse(request.BlockSize, out var block) || block > uint.MaxValue) { error = $"invalid --block-size '{request.BlockSize}'"; return false; }
        if (!SizeParser.TryParse(request.CacheSize, out var cache)) { error = $"invalid --cache-size '{request.CacheSize}'"; return false; }
        if (!SizeParser.TryParse(request.ReadAhead, out var readAhead)) { error = $"invalid --read-ahead '{request.ReadAhead}'"; return false; }
        if (!SizeParser.TryParse(request.DiskCacheSize, out var diskCacheSize) || diskCacheSize < (16 << 20)) { error = $"invalid --disk-cache-size '{request.DiskCacheSize}' (at least 16M)"; return false; }
        if (request.DiskCacheFreeRatio is < 0 or > 0.9 || double.IsNaN(request.DiskCacheFreeRatio)) { error = $"invalid --disk-cache-free-ratio {request.DiskCacheFreeRatio} (from 0 to 0.9)"; return false; }
        if (request.DiskCache is not null && File.Exists(request.DiskCache)) { error = $"--disk-cache {request.DiskCache} is a file: give a directory (it is created when missing)"; return false; }
        if (!SizeParser.TryParse(request.BufferSize, out var buffer) || buffer < (1 << 20)) { error = $"invalid --buffer-size '{request.BufferSize}' (at least 1M)"; return false; }
        try
        {
            LocalFsRegistry.ValidateSizes((uint)chunk, (uint)block);
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return false;
        }
        if (request.EntryTimeout < 0 || request.AttrTimeout < 0) { error = "timeouts cannot be negative"; return false; }
        if (request.Threads is < 1 or > 1024) { error = "--threads must be between 1 and 1024"; return false; }
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Contains(',') || request.Name.Contains('/')) { error = $"invalid --name '{request.Name}'"; return false; }
        data = new DataClientOptions
        {
            BlockCacheBytes = cache, WriteBudgetBytes = buffer, ReadAheadMaxBytes = readAhead,
            DiskCacheDir = request.DiskCache is null ? null : Path.GetFullPath(request.DiskCache), DiskCacheBytes = diskCacheSize,
            DiskCacheFreeRatio = request.DiskCacheFreeRatio,
        };
        vfs = new VfsOptions
        {
            EntryTimeoutSeconds = request.EntryTimeout,
            AttrTimeoutSeconds = request.AttrTimeout,
            ReadOnly = request.FuseOptions.Contains("ro"),
        };
        if (request.DataDir is not null)
        {
            embedded = new EmbeddedOptions(request.DataDir)
            {
                Name = request.Name,
                ChunkSize = (uint)chunk,
                BlockSize = (uint)block,
                RootUid = ProcessIdentity.Uid,
                RootGid = ProcessIdentity.Gid,
                Data = data,
                Vfs = vfs,
            };
        }
        return true;
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"curvefs mount: {message}");
        return code;
    }
}
