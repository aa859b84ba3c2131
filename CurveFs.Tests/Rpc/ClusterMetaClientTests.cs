using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Hosting;
using CurveFs.Mount.Meta;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Rpc;

/// <summary>A ClusterMetaClient against a real metaserver endpoint answers like the embedded client.</summary>
[Trait("Category", "Integration")]
public sealed class ClusterMetaClientTests
{
    private static readonly Caller Alice = new(1000, 1000, []);

    private static byte[] N(string name) => Encoding.UTF8.GetBytes(name);

    internal static async Task<ClusterMetaClient> CreateFsAsync(RpcTestHost host, ClusterMetaClientOptions? options = null)
    {
        var creator = new ClusterMetaClient(options ?? RpcTestHost.Options(host.Endpoint), RpcTestHost.Fs, NullLogger.Instance);
        Assert.Equal(Errno.Ok, await creator.InitializeAsync(0, 0, FileModes.Directory | 0x1FF));
        return creator;
    }

    [Fact]
    public async Task ConnectAsync_ByName_FindsTheFilesystem()
    {
        await using var host = await RpcTestHost.StartAsync();
        await using (await CreateFsAsync(host))
        {
        }
        await using var client = await ClusterMetaClient.ConnectAsync(RpcTestHost.Options(host.Endpoint), "testfs", NullLogger.Instance);
        Assert.Equal(RpcTestHost.Fs, client.Fs);
        Assert.NotEqual(0ul, client.ClientId);
        Assert.Equal(host.Endpoint, client.LeaderOf(1));
        var root = await client.GetAttrAsync(1);
        Assert.True(root.Ok);
        Assert.True(root.Value.IsDirectory);

        var missing = await Assert.ThrowsAsync<MetaClusterException>(() => ClusterMetaClient.ConnectAsync(RpcTestHost.Options(host.Endpoint), "nofs", NullLogger.Instance));
        Assert.Equal(Errno.ENOENT, missing.Errno);
        Assert.Contains("'nofs' does not exist", missing.Message);
        Assert.Contains(host.Endpoint, missing.Message);
    }

    [Fact]
    public async Task InitializeAsync_AnotherFsWithTheSameName_IsEEXIST()
    {
        await using var host = await RpcTestHost.StartAsync();
        await using var first = await CreateFsAsync(host);
        await using var second = new ClusterMetaClient(RpcTestHost.Options(host.Endpoint), RpcTestHost.Fs with { FsId = 8 }, NullLogger.Instance);
        Assert.Equal(Errno.EEXIST, await second.InitializeAsync(0, 0, FileModes.Directory | 0x1ED));
        Assert.Equal(Errno.Ok, await first.InitializeAsync(0, 0, FileModes.Directory | 0x1ED)); // existing root: a no-op
    }

    [Fact]
    public async Task Operations_RoundTrip_WithTheStateMachinesErrnos()
    {
        await using var host = await RpcTestHost.StartAsync();
        await using var client = await CreateFsAsync(host);

        var dir = await client.ExecuteAsync(new CreateNodeCommand { Parent = 1, Name = N("dir"), Mode = FileModes.Directory | 0x1ED, NowNs = 10 });
        Assert.True(dir.Ok);
        var d = dir.Inode!.Ino;
        var file = await client.ExecuteAsync(new CreateNodeCommand { Parent = d, Name = N("f"), Mode = FileModes.Regular | 0x1A4, NowNs = 11, Caller = Alice });
        Assert.Equal(Errno.EACCES, file.Error); // alice may not write in root's 0755 directory
        file = await client.ExecuteAsync(new CreateNodeCommand { Parent = d, Name = N("f"), Mode = FileModes.Regular | 0x1A4, NowNs = 11 });
        Assert.True(file.Ok);
        Assert.Equal(Errno.EEXIST, (await client.ExecuteAsync(new CreateNodeCommand { Parent = d, Name = N("f"), Mode = FileModes.Regular | 0x1A4, NowNs = 12 })).Error);

        var found = await client.LookupAsync(Caller.Root, d, N("f"));
        Assert.Equal(file.Inode!.Ino, found.Value.Ino);
        Assert.Equal(Errno.ENOENT, (await client.LookupAsync(Caller.Root, d, N("none"))).Error);
        Assert.Equal(Errno.ENAMETOOLONG, (await client.LookupAsync(Caller.Root, d, new byte[256])).Error);
        Assert.Equal(Errno.ENOENT, (await client.GetAttrAsync(999_999)).Error);

        var listing = await client.ReadDirAsync(d, null, 100, withAttrs: true);
        Assert.Equal(["f"], listing.Value.Select(e => Encoding.UTF8.GetString(e.Name)));
        Assert.Equal(file.Inode.Ino, listing.Value[0].Attr!.Ino);

        var chmod = await client.ExecuteAsync(new SetAttrCommand { Ino = file.Inode.Ino, Fields = AttrFields.Mode, Mode = 0x180, NowNs = 13 });
        Assert.Equal(0x180u, chmod.Inode!.Mode & FileModes.PermissionMask);
        Assert.Equal(Errno.EPERM, (await client.ExecuteAsync(new SetAttrCommand { Ino = file.Inode.Ino, Fields = AttrFields.Mode, Mode = 0x1FF, Caller = Alice })).Error);

        Assert.True((await client.ExecuteAsync(new SetXattrCommand { Ino = file.Inode.Ino, Name = "user.k", Value = N("v") })).Ok);
        Assert.Equal(Errno.EEXIST, (await client.ExecuteAsync(new SetXattrCommand { Ino = file.Inode.Ino, Name = "user.k", Value = N("w"), Flags = SetXattrCommand.CreateOnly })).Error);
        Assert.Equal("v", Encoding.UTF8.GetString((await client.GetXattrAsync(Caller.Root, file.Inode.Ino, "user.k")).Value));
        Assert.Equal(["user.k"], (await client.ListXattrAsync(Caller.Root, file.Inode.Ino)).Value);
        Assert.Equal(Errno.ENODATA, (await client.GetXattrAsync(Caller.Root, file.Inode.Ino, "user.none")).Error);
        Assert.Equal(Errno.EOPNOTSUPP, (await client.GetXattrAsync(Caller.Root, file.Inode.Ino, "system.posix_acl_access")).Error);

        Assert.Equal(Errno.ENOTEMPTY, (await client.ExecuteAsync(new RmdirCommand { Parent = 1, Name = N("dir") })).Error);
        Assert.True((await client.ExecuteAsync(new RenameCommand { Parent = d, Name = N("f"), NewParent = 1, NewName = N("g"), NowNs = 14 })).Ok);
        Assert.Equal(Errno.ENOENT, (await client.ExecuteAsync(new RenameCommand { Parent = d, Name = N("f"), NewParent = 1, NewName = N("h") })).Error);
        Assert.Equal(Errno.EEXIST, (await client.ExecuteAsync(new RenameCommand { Parent = 1, Name = N("g"), NewParent = 1, NewName = N("dir"), Flags = RenameCommand.NoReplace })).Error);
        Assert.True((await client.ExecuteAsync(new RmdirCommand { Parent = 1, Name = N("dir") })).Ok);
        var unlinked = await client.ExecuteAsync(new UnlinkCommand { Parent = 1, Name = N("g"), NowNs = 15 });
        Assert.True(unlinked.Ok);
        Assert.Equal(Errno.ENOENT, (await client.ExecuteAsync(new UnlinkCommand { Parent = 1, Name = N("g") })).Error);
        Assert.Empty((await client.ReadDirAsync(1, null, 100, false)).Value);
        Assert.Equal(0, client.CommandsInFlight);

        var stats = await client.StatFsAsync();
        Assert.True(stats.Inodes >= 1);
        Assert.Equal(Errno.Ok, await client.SyncAsync());
    }

    [Fact]
    public async Task ScriptedSession_MatchesTheEmbeddedClient()
    {
        var dir = Directory.CreateTempSubdirectory("curvefs-embedded-").FullName;
        try
        {
            using var local = LocalCopyset.Open(dir, new LocalCopysetOptions(), NullLogger.Instance);
            await using var embedded = new EmbeddedMetaClient(local, RpcTestHost.Fs, partitionSize: 8);
            Assert.Equal(Errno.Ok, await embedded.InitializeAsync(0, 0, FileModes.Directory | 0x1FF));
            await using var host = await RpcTestHost.StartAsync();
            await using var cluster = await CreateFsAsync(host, RpcTestHost.Options(host.Endpoint) with { PartitionSize = 8 });

            var expected = await RunScriptAsync(embedded);
            Assert.Equal(expected, await RunScriptAsync(cluster));
            // The script is only worth something if it exercises both outcomes and the partition refill.
            var commands = expected.Where(l => l.Contains("Command:")).ToList();
            Assert.True(commands.Count(l => l.Contains(": ok")) >= 30, string.Join("\n", commands));
            Assert.True(commands.Select(l => l[(l.LastIndexOf(' ') + 1)..]).Where(e => e.StartsWith('E')).Distinct().Count() >= 4, string.Join("\n", commands));
            Assert.True(await local.ReadAsync(kv => CurveFs.MetaServer.Partition.MetaStore.LoadPartitions(kv, RpcTestHost.Fs.FsId).Count) > 1);
            Assert.True(await host.Copyset.ReadAsync(kv => CurveFs.MetaServer.Partition.MetaStore.LoadPartitions(kv, RpcTestHost.Fs.FsId).Count) > 1);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A deterministic mix of successful and failing operations; the transcript records every answer.</summary>
    private static async Task<List<string>> RunScriptAsync(IMetaClient meta)
    {
        var log = new List<string>();
        var random = new Random(5);
        var callers = new[] { Caller.Root, Alice, new Caller(1001, 1001, [1000]) };
        long now = 1_000;
        var dirs = new List<ulong> { 1 };
        string Describe(MetaResult r) => r.Ok ? $"ok ino={r.Inode?.Ino} mode={r.Inode?.Mode:x} nlink={r.Inode?.Nlink} other={r.Other?.Ino}/{r.Other?.Nlink}" : r.Error.ToString();
        for (var i = 0; i < 300; i++)
        {
            var caller = callers[random.Next(callers.Length)];
            var parent = random.Next(10) == 0 ? 999 : dirs[random.Next(dirs.Count)];
            var name = N($"n{random.Next(8)}");
            MetaCommand command = random.Next(7) switch
            {
                0 => new CreateNodeCommand { Parent = parent, Name = name, Mode = FileModes.Directory | 0x1FF },
                1 => new CreateNodeCommand { Parent = parent, Name = name, Mode = FileModes.Regular | 0x1A4 },
                2 => new UnlinkCommand { Parent = parent, Name = name },
                3 => new RmdirCommand { Parent = parent, Name = name },
                4 => new RenameCommand { Parent = parent, Name = name, NewParent = dirs[random.Next(dirs.Count)], NewName = N($"n{random.Next(8)}"), Flags = (uint)random.Next(3) },
                5 => new SetAttrCommand { Ino = parent, Fields = AttrFields.Mode, Mode = (uint)random.Next(0x200) },
                _ => new SetXattrCommand { Ino = parent, Name = $"user.x{random.Next(3)}", Value = N("v"), Flags = random.Next(3) },
            };
            command.Caller = caller;
            command.NowNs = now += 1_000;
            var result = await meta.ExecuteAsync(command);
            if (result.Ok && command is CreateNodeCommand && result.Inode!.IsDirectory) dirs.Add(result.Inode.Ino);
            log.Add($"{i} {command.GetType().Name}: {Describe(result)}");
            var lookup = await meta.LookupAsync(caller, parent, name);
            log.Add($"{i} lookup: {(lookup.Ok ? lookup.Value.Ino.ToString() : lookup.Error.ToString())}");
            var list = await meta.ReadDirAsync(parent, null, 3, random.Next(2) == 0);
            log.Add($"{i} readdir: {(list.Ok ? string.Join(",", list.Value.Select(e => $"{Encoding.UTF8.GetString(e.Name)}={e.Ino}")) : list.Error.ToString())}");
            var xattrs = await meta.ListXattrAsync(caller, parent);
            log.Add($"{i} listxattr: {(xattrs.Ok ? string.Join(",", xattrs.Value) : xattrs.Error.ToString())}");
        }
        var stats = await meta.StatFsAsync();
        log.Add($"statfs {stats.Inodes} {stats.UsedBytes}");
        log.Add($"orphans {string.Join(",", await meta.ListOrphansAsync())}");
        return log;
    }
}
