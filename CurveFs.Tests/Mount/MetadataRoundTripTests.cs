using System.Security.Cryptography;
using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mount.Vfs;

namespace CurveFs.Tests.Mount;

/// <summary>Requests the kernel makes often that the client answers without asking the metadata service
/// (and still answers right), and what fsync makes durable in which order.</summary>
public sealed class MetadataRoundTripTests
{
    private const int Block = (int)DataPathHarness.BlockSize;

    [Fact]
    public async Task SecurityCapabilityBeforeEachWrite_IsAnsweredLocallyForFilesWithoutXattrs()
    {
        await using var h = new DataPathHarness();
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "plain", RandomNumberGenerator.GetBytes(100));
        var handle = await h.OpenAsync(h.Vfs, ino, OpenFlags.ReadWrite);
        var before = h.GetXattrCalls;
        for (var i = 0; i < 20; i++) Assert.Equal(Errno.ENODATA, (await h.Vfs.GetXattrAsync(RequestContext.Root, ino, "security.capability")).Error);
        Assert.Equal(before, h.GetXattrCalls);
        // Other namespaces still ask (their permission checks live in the metadata service).
        Assert.Equal(Errno.ENODATA, (await h.Vfs.GetXattrAsync(RequestContext.Root, ino, "user.x")).Error);
        Assert.Equal(before + 1, h.GetXattrCalls);

        // Set here: read back at once.
        var value = Encoding.ASCII.GetBytes("cap");
        Assert.Equal(Errno.Ok, await h.Vfs.SetXattrAsync(RequestContext.Root, ino, "security.capability", value, 0));
        Assert.Equal(value, (await h.Vfs.GetXattrAsync(RequestContext.Root, ino, "security.capability")).Value);
        Assert.Equal(Errno.Ok, await h.Vfs.ReleaseAsync(ino, handle));
    }

    [Fact]
    public async Task XattrSetByAnotherClient_IsSeenOnceAttributesAreFetchedAgain()
    {
        await using var h = new DataPathHarness();
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "shared", RandomNumberGenerator.GetBytes(100));
        Assert.Equal(Errno.ENODATA, (await h.Vfs.GetXattrAsync(RequestContext.Root, ino, "security.selinux")).Error);

        var other = h.NewClient();
        var value = Encoding.ASCII.GetBytes("label");
        Assert.Equal(Errno.Ok, await other.Vfs.SetXattrAsync(RequestContext.Root, ino, "security.selinux", value, 0));
        // The kernel refetches attributes when its cache times out (or at open); from then on the new xattr shows.
        Assert.True((await h.Vfs.GetAttrAsync(RequestContext.Root, ino, null)).Ok);
        Assert.Equal(value, (await h.Vfs.GetXattrAsync(RequestContext.Root, ino, "security.selinux")).Value);
    }

    [Fact]
    public async Task Fsync_MakesObjectsDurableBeforeTheMetadataNamingThem()
    {
        await using var h = new DataPathHarness();
        var events = new List<string>();
        h.Store.OnSync = () => { lock (events) events.Add("objects"); };
        h.OnMetaSync = () => { lock (events) events.Add("metadata"); };
        var created = await h.Vfs.CreateAsync(RequestContext.Root, 1, Encoding.UTF8.GetBytes("durable"), 0x1A4, OpenFlags.ReadWrite);
        var (entry, open) = created.Value;
        await DataPathHarness.WriteAsync(h.Vfs, entry.Attr.Ino, open.Handle, 0, RandomNumberGenerator.GetBytes(3 * Block + 10));
        Assert.Equal(Errno.Ok, await h.Vfs.FsyncAsync(RequestContext.Root, entry.Attr.Ino, open.Handle, false));
        lock (events) Assert.Equal(["objects", "metadata"], events);
    }
}
