using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Partition;

namespace CurveFs.Tests.MetaServer;

/// <summary>A copyset state with one filesystem, plus short helpers to drive the state machine in tests.</summary>
internal sealed class MetaHarness
{
    public const uint Fs = 7;
    public static readonly Caller Alice = new(1000, 1000, []);
    public static readonly Caller Bob = new(1001, 1001, [2000]);

    public CopysetState State { get; } = new();
    private long _clock = 1_700_000_000_000_000_000;

    public MetaHarness(ulong partitionEnd = 1 << 20, uint rootMode = 0x1FF)
    {
        var result = Apply(new InitFsCommand
        {
            RootMode = FileModes.Directory | rootMode,
            Partition = new PartitionRecord { PartitionId = 1, Start = 1, End = partitionEnd, ChunkSize = 1 << 20, BlockSize = 1 << 16 },
        });
        Assert.True(result.Ok);
    }

    public long Now => _clock;

    public MetaResult Apply(MetaCommand command, Caller? caller = null)
    {
        command.FsId = Fs;
        command.Caller = caller ?? Caller.Root;
        command.NowNs = _clock += 1000;
        return State.Apply(command).Result;
    }

    public static byte[] N(string name) => Encoding.UTF8.GetBytes(name);

    public MetaResult Mkdir(ulong parent, string name, uint mode = 0x1ED, Caller? caller = null) =>
        Apply(new CreateNodeCommand { Parent = parent, Name = N(name), Mode = FileModes.Directory | mode }, caller);

    public MetaResult Create(ulong parent, string name, uint mode = 0x1A4, Caller? caller = null) =>
        Apply(new CreateNodeCommand { Parent = parent, Name = N(name), Mode = FileModes.Regular | mode }, caller);

    public MetaResult Symlink(ulong parent, string name, string target, Caller? caller = null) =>
        Apply(new CreateNodeCommand { Parent = parent, Name = N(name), Mode = FileModes.Symlink, SymlinkTarget = N(target) }, caller);

    public MetaResult Unlink(ulong parent, string name, Caller? caller = null) =>
        Apply(new UnlinkCommand { Parent = parent, Name = N(name) }, caller);

    public MetaResult Rmdir(ulong parent, string name, Caller? caller = null) =>
        Apply(new RmdirCommand { Parent = parent, Name = N(name) }, caller);

    public MetaResult Link(ulong ino, ulong parent, string name, Caller? caller = null) =>
        Apply(new LinkCommand { Ino = ino, NewParent = parent, NewName = N(name) }, caller);

    public MetaResult Rename(ulong parent, string name, ulong newParent, string newName, uint flags = 0, Caller? caller = null) =>
        Apply(new RenameCommand { Parent = parent, Name = N(name), NewParent = newParent, NewName = N(newName), Flags = flags }, caller);

    public MetaResult SetAttr(ulong ino, AttrFields fields, uint mode = 0, uint uid = 0, uint gid = 0, ulong size = 0, Caller? caller = null) =>
        Apply(new SetAttrCommand { Ino = ino, Fields = fields, Mode = mode, Uid = uid, Gid = gid, Size = size }, caller);

    public Result<InodeRecord> Lookup(ulong parent, string name, Caller? caller = null) =>
        MetaQueries.Lookup(State.Store, Fs, parent, N(name), caller ?? Caller.Root);

    public InodeRecord Attr(ulong ino)
    {
        var result = MetaQueries.GetAttr(State.Store, Fs, ino);
        Assert.True(result.Ok, $"inode {ino}: {result.Error}");
        return result.Value;
    }

    public List<string> Names(ulong dir)
    {
        var list = MetaQueries.ReadDir(State.Store, Fs, dir, null, int.MaxValue, false);
        Assert.True(list.Ok);
        return list.Value.Select(e => Encoding.UTF8.GetString(e.Name)).ToList();
    }

    /// <summary>The whole KV content, for "nothing changed" and determinism checks.</summary>
    public string Digest() =>
        string.Join("\n", State.Store.CopyPairs().Select(p => Convert.ToHexString(p.Key) + "=" + Convert.ToHexString(p.Value)));
}
