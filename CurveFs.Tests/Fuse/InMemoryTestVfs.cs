using CurveFs.Common.Meta;
using System.Collections.Concurrent;
using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Mount.Vfs;

namespace CurveFs.Tests.Fuse;

/// <summary>
/// A small in-memory filesystem behind <see cref="IVfs"/> for the FUSE binding tests: directories, regular
/// files, symlinks, hard links, xattrs. One lock, no permissions. With <c>completeAsynchronously</c> every
/// call yields first, so the binding's asynchronous reply path is exercised. It also records what arrived
/// (write sizes, rename flags, setattr requests, readdir calls) and lets a test inject failures.
/// </summary>
internal sealed class InMemoryTestVfs(bool completeAsynchronously) : IVfs
{
    public const int NameMax = 255;
    private const uint TypeMask = 0xF000; // S_IFMT
    private const uint Directory = 0x4000; // S_IFDIR
    private const uint Regular = 0x8000; // S_IFREG
    private const uint SymbolicLink = 0xA000; // S_IFLNK
    private const double Timeout = 1.0;

    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Node> _nodes = new() { [1] = NewRoot() };
    private readonly Dictionary<ulong, ulong> _handles = new(); // handle -> inode
    private ulong _nextIno = 2;
    private ulong _nextHandle = 100;

    private sealed class Node
    {
        public ulong Ino;
        public uint Mode;
        public uint Nlink = 1;
        public ulong Parent;
        public ulong Rdev;
        public byte[] Data = [];
        public long Length;
        public long AtimeNs, MtimeNs, CtimeNs;
        public byte[]? Target;
        public readonly Dictionary<string, byte[]> Xattrs = new(StringComparer.Ordinal);
        public SortedDictionary<string, ulong>? Children;
        public long Lookups;
    }

    /// <summary>Consulted by every call that carries a name: return an exception to throw from the VFS.</summary>
    public Func<string, string, Exception?>? Fault { get; set; }

    public bool InitCalled { get; private set; }
    public bool DestroyCalled { get; private set; }
    public Exception? InitException { get; set; }

    public ConcurrentDictionary<int, int> WriteSizes { get; } = new();
    public ConcurrentDictionary<int, int> ReadSizes { get; } = new();
    public ConcurrentQueue<uint> RenameFlags { get; } = new();
    public ConcurrentQueue<(ulong Ino, SetAttrRequest Request)> SetAttrs { get; } = new();
    public ConcurrentDictionary<ulong, int> ReadDirCalls { get; } = new();
    public ConcurrentQueue<(ulong Ino, ulong Handle)> Opens { get; } = new();
    public ConcurrentQueue<int> OpenFlags { get; } = new();
    public ConcurrentDictionary<ulong, int> ReadDirPlusCalls { get; } = new();
    public int ForgetUnderflows => Volatile.Read(ref _forgetUnderflows);

    /// <summary>Lookups the kernel holds on an inode by this VFS's count (entry replies and readdirplus
    /// entries minus forgets).</summary>
    public long LookupCount(ulong ino)
    {
        lock (_gate) return _nodes.TryGetValue(ino, out Node? n) ? n.Lookups : 0;
    }
    private int _forgetUnderflows;

    public void Init()
    {
        InitCalled = true;
        if (InitException is not null) throw InitException;
    }

    public void Destroy() => DestroyCalled = true;

    // Synchronous mode: an injected fault is thrown from the call itself. Asynchronous mode: the call
    // yields first and the fault surfaces as a faulted task, completed on another thread.
    private ValueTask<T> Run<T>(Func<T> body, string? op = null, ReadOnlyMemory<byte> name = default)
    {
        if (completeAsynchronously) return RunAsync(body, op, name);
        if (op is not null) CheckFault(op, name);
        lock (_gate) return new ValueTask<T>(body());
    }

    private async ValueTask<T> RunAsync<T>(Func<T> body, string? op, ReadOnlyMemory<byte> name)
    {
        await Task.Yield();
        if (op is not null) CheckFault(op, name);
        lock (_gate) return body();
    }

    private static string Key(ReadOnlyMemory<byte> name) => Encoding.Latin1.GetString(name.Span);

    private void CheckFault(string op, ReadOnlyMemory<byte> name)
    {
        if (Fault?.Invoke(op, Key(name)) is { } ex) throw ex;
    }

    public ValueTask<Result<EntryReply>> LookupAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name)
    {
        return Run<Result<EntryReply>>(() =>
        {
            if (name.Length > NameMax) return Errno.ENAMETOOLONG;
            if (!_nodes.TryGetValue(parent, out Node? dir)) return Errno.ENOENT;
            if (dir.Children is null) return Errno.ENOTDIR;
            string key = Key(name);
            ulong ino = key switch
            {
                "." => dir.Ino,
                ".." => dir.Parent,
                _ => dir.Children.TryGetValue(key, out ulong child) ? child : 0,
            };
            if (ino == 0) return Errno.ENOENT;
            return CountedEntry(_nodes[ino]);
        }, "lookup", name);
    }

    public void Forget(ulong ino, ulong nlookup)
    {
        lock (_gate)
        {
            if (!_nodes.TryGetValue(ino, out Node? node)) return;
            node.Lookups -= (long)nlookup;
            if (node.Lookups < 0) Interlocked.Increment(ref _forgetUnderflows);
        }
    }

    public ValueTask<Result<AttrReply>> GetAttrAsync(RequestContext ctx, ulong ino, ulong? handle) =>
        Run<Result<AttrReply>>(() => _nodes.TryGetValue(ino, out Node? n) ? new AttrReply(Attr(n), Timeout) : Errno.ENOENT);

    public ValueTask<Result<AttrReply>> SetAttrAsync(RequestContext ctx, ulong ino, SetAttrRequest request)
    {
        SetAttrs.Enqueue((ino, request));
        return Run<Result<AttrReply>>(() =>
        {
            if (!_nodes.TryGetValue(ino, out Node? n)) return Errno.ENOENT;
            if (request.Handle is { } h && (!_handles.TryGetValue(h, out ulong owner) || owner != ino)) return Errno.EBADF;
            long now = Now();
            AttrFields f = request.Fields;
            if (f.HasFlag(AttrFields.Mode)) n.Mode = (n.Mode & TypeMask) | (request.Mode & 0xFFF);
            if (f.HasFlag(AttrFields.Size))
            {
                if (n.Children is not null) return Errno.EISDIR;
                Resize(n, (long)request.Size);
                n.MtimeNs = now;
            }
            if (f.HasFlag(AttrFields.Atime)) n.AtimeNs = request.AtimeNs;
            if (f.HasFlag(AttrFields.AtimeNow)) n.AtimeNs = now;
            if (f.HasFlag(AttrFields.Mtime)) n.MtimeNs = request.MtimeNs;
            if (f.HasFlag(AttrFields.MtimeNow)) n.MtimeNs = now;
            n.CtimeNs = f.HasFlag(AttrFields.Ctime) ? request.CtimeNs : now;
            return new AttrReply(Attr(n), Timeout);
        });
    }

    public ValueTask<Result<byte[]>> ReadLinkAsync(RequestContext ctx, ulong ino) =>
        Run<Result<byte[]>>(() => _nodes.TryGetValue(ino, out Node? n) && n.Target is not null ? n.Target : Errno.EINVAL);

    public ValueTask<Result<EntryReply>> MknodAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name, uint mode, ulong rdev)
    {
        return Run(() => AddNode(parent, name, mode, n => n.Rdev = rdev), "mknod", name);
    }

    public ValueTask<Result<EntryReply>> MkdirAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name, uint mode)
    {
        return Run(() => AddNode(parent, name, Directory | (mode & 0xFFF), null), "mkdir", name);
    }

    public ValueTask<Errno> UnlinkAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name)
    {
        return Run(() => RemoveEntry(parent, Key(name), directory: false), "unlink", name);
    }

    public ValueTask<Errno> RmdirAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name)
    {
        return Run(() => RemoveEntry(parent, Key(name), directory: true), "rmdir", name);
    }

    public ValueTask<Result<EntryReply>> SymlinkAsync(RequestContext ctx, ReadOnlyMemory<byte> target, ulong parent, ReadOnlyMemory<byte> name)
    {
        byte[] copy = target.ToArray();
        return Run(() => AddNode(parent, name, SymbolicLink | 0x1FF, n => { n.Target = copy; n.Length = copy.Length; }), "symlink", name);
    }

    public ValueTask<Errno> RenameAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name, ulong newParent, ReadOnlyMemory<byte> newName, uint flags)
    {
        RenameFlags.Enqueue(flags);
        return Run(() =>
        {
            const uint noReplace = 1, exchange = 2;
            if ((flags & ~(noReplace | exchange)) != 0 || flags == (noReplace | exchange)) return Errno.EINVAL;
            if (newName.Length > NameMax) return Errno.ENAMETOOLONG;
            if (!_nodes.TryGetValue(parent, out Node? from) || !_nodes.TryGetValue(newParent, out Node? to)) return Errno.ENOENT;
            if (from.Children is null || to.Children is null) return Errno.ENOTDIR;
            string oldKey = Key(name), newKey = Key(newName);
            if (!from.Children.TryGetValue(oldKey, out ulong source)) return Errno.ENOENT;
            bool targetExists = to.Children.TryGetValue(newKey, out ulong target);
            if ((flags & noReplace) != 0 && targetExists) return Errno.EEXIST;
            if ((flags & exchange) != 0)
            {
                if (!targetExists) return Errno.ENOENT;
                from.Children[oldKey] = target;
                to.Children[newKey] = source;
                _nodes[target].Parent = from.Ino;
                _nodes[source].Parent = to.Ino;
                return Errno.Ok;
            }
            if (targetExists)
            {
                Errno removed = RemoveEntry(newParent, newKey, _nodes[target].Children is not null);
                if (removed != Errno.Ok) return removed;
            }
            from.Children.Remove(oldKey);
            to.Children[newKey] = source;
            _nodes[source].Parent = to.Ino;
            return Errno.Ok;
        }, "rename", name);
    }

    public ValueTask<Result<EntryReply>> LinkAsync(RequestContext ctx, ulong ino, ulong newParent, ReadOnlyMemory<byte> newName)
    {
        return Run<Result<EntryReply>>(() =>
        {
            if (!_nodes.TryGetValue(ino, out Node? node)) return Errno.ENOENT;
            if (node.Children is not null) return Errno.EPERM;
            if (!_nodes.TryGetValue(newParent, out Node? dir) || dir.Children is null) return Errno.ENOENT;
            if (!dir.Children.TryAdd(Key(newName), ino)) return Errno.EEXIST;
            node.Nlink++;
            node.CtimeNs = Now();
            return CountedEntry(node);
        }, "link", newName);
    }

    public ValueTask<Result<OpenReply>> OpenAsync(RequestContext ctx, ulong ino, int flags)
    {
        OpenFlags.Enqueue(flags);
        return Run<Result<OpenReply>>(() => _nodes.ContainsKey(ino) ? new OpenReply(NewHandle(ino)) : Errno.ENOENT);
    }

    public ValueTask<Result<(EntryReply Entry, OpenReply Open)>> CreateAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name, uint mode, int flags)
    {
        return Run<Result<(EntryReply, OpenReply)>>(() =>
        {
            Result<EntryReply> entry = AddNode(parent, name, Regular | (mode & 0xFFF), null);
            if (!entry.Ok) return entry.Error;
            return (entry.Value, new OpenReply(NewHandle(entry.Value.Attr.Ino)));
        }, "create", name);
    }

    public ValueTask<Result<int>> ReadAsync(RequestContext ctx, ulong ino, ulong handle, long offset, Memory<byte> destination)
    {
        ReadSizes.AddOrUpdate(destination.Length, 1, (_, c) => c + 1);
        return Run<Result<int>>(() =>
        {
            if (!_handles.ContainsKey(handle) || !_nodes.TryGetValue(ino, out Node? n)) return Errno.EBADF;
            if (offset >= n.Length) return 0;
            int count = (int)Math.Min(destination.Length, n.Length - offset);
            n.Data.AsSpan((int)offset, count).CopyTo(destination.Span);
            return count;
        });
    }

    public ValueTask<Result<int>> WriteAsync(RequestContext ctx, ulong ino, ulong handle, long offset, ReadOnlyMemory<byte> data)
    {
        WriteSizes.AddOrUpdate(data.Length, 1, (_, c) => c + 1);
        return Run<Result<int>>(() =>
        {
            if (!_handles.ContainsKey(handle) || !_nodes.TryGetValue(ino, out Node? n)) return Errno.EBADF;
            long end = offset + data.Length;
            if (end > n.Length) Resize(n, end);
            data.Span.CopyTo(n.Data.AsSpan((int)offset));
            n.MtimeNs = n.CtimeNs = Now();
            return data.Length;
        });
    }

    public ValueTask<Errno> FlushAsync(RequestContext ctx, ulong ino, ulong handle) => Run(() => Errno.Ok);

    public ValueTask<Errno> ReleaseAsync(ulong ino, ulong handle) => Run(() => _handles.Remove(handle) ? Errno.Ok : Errno.EBADF);

    public ValueTask<Errno> FsyncAsync(RequestContext ctx, ulong ino, ulong handle, bool dataOnly) => Run(() => Errno.Ok);

    public ValueTask<Errno> FallocateAsync(RequestContext ctx, ulong ino, ulong handle, int mode, long offset, long length) =>
        Run(() =>
        {
            if (mode != 0) return Errno.EOPNOTSUPP;
            if (!_nodes.TryGetValue(ino, out Node? n)) return Errno.ENOENT;
            if (offset + length > n.Length) Resize(n, offset + length);
            return Errno.Ok;
        });

    public ValueTask<Result<OpenReply>> OpenDirAsync(RequestContext ctx, ulong ino, int flags) =>
        Run<Result<OpenReply>>(() => _nodes.TryGetValue(ino, out Node? n) && n.Children is not null ? new OpenReply(NewHandle(ino)) : Errno.ENOTDIR);

    public ValueTask<Result<IReadOnlyList<DirEntry>>> ReadDirAsync(RequestContext ctx, ulong ino, ulong handle, long offset, bool plus)
    {
        ReadDirCalls.AddOrUpdate(ino, 1, (_, c) => c + 1);
        if (plus) ReadDirPlusCalls.AddOrUpdate(ino, 1, (_, c) => c + 1);
        return Run<Result<IReadOnlyList<DirEntry>>>(() =>
        {
            if (!_nodes.TryGetValue(ino, out Node? dir) || dir.Children is null) return Errno.ENOTDIR;
            // Cookies: 1 = after ".", 2 = after "..", 3 + i = after the i-th child in name order.
            var all = new List<(string Name, ulong Ino)>(dir.Children.Count + 2) { (".", dir.Ino), ("..", dir.Parent) };
            foreach (KeyValuePair<string, ulong> child in dir.Children) all.Add((child.Key, child.Value));
            var batch = new List<DirEntry>();
            // Hand over more than one kernel buffer holds, so the binding has to stop and be asked again.
            for (int i = (int)offset; i < all.Count && batch.Count < 300; i++)
            {
                Node node = _nodes[all[i].Ino];
                bool dot = i < 2;
                batch.Add(new DirEntry(Encoding.Latin1.GetBytes(all[i].Name), node.Ino, node.Mode, i + 1,
                    plus && !dot ? new EntryReply(Attr(node), Timeout, Timeout) : null));
            }
            return batch;
        });
    }

    public void ReadDirPacked(ulong ino, ulong handle, IReadOnlyList<DirEntry> batch, int packed)
    {
        lock (_gate)
        {
            for (int i = 0; i < packed; i++)
            {
                if (batch[i].Entry is { } entry && _nodes.TryGetValue(entry.Attr.Ino, out Node? node)) node.Lookups++;
            }
        }
    }

    public ValueTask<Errno> ReleaseDirAsync(ulong ino, ulong handle) => Run(() => _handles.Remove(handle) ? Errno.Ok : Errno.EBADF);

    public ValueTask<Errno> FsyncDirAsync(RequestContext ctx, ulong ino, ulong handle, bool dataOnly) => Run(() => Errno.Ok);

    public static readonly StatFsReply StatFsFigures = new(
        BlockSize: 4096, FragmentSize: 4096, Blocks: 1_000_000, BlocksFree: 600_000, BlocksAvailable: 500_000,
        Files: 77_777, FilesFree: 55_555, FilesAvailable: 55_555, NameMax: NameMax);

    public ValueTask<Result<StatFsReply>> StatFsAsync(RequestContext ctx, ulong ino) => Run<Result<StatFsReply>>(() => StatFsFigures);

    public ValueTask<Errno> SetXattrAsync(RequestContext ctx, ulong ino, string name, ReadOnlyMemory<byte> value, int flags)
    {
        byte[] copy = value.ToArray();
        return Run(() =>
        {
            const int create = 1, replace = 2;
            if (!_nodes.TryGetValue(ino, out Node? n)) return Errno.ENOENT;
            bool exists = n.Xattrs.ContainsKey(name);
            if ((flags & create) != 0 && exists) return Errno.EEXIST;
            if ((flags & replace) != 0 && !exists) return Errno.ENODATA;
            n.Xattrs[name] = copy;
            return Errno.Ok;
        });
    }

    public ValueTask<Result<byte[]>> GetXattrAsync(RequestContext ctx, ulong ino, string name) =>
        Run<Result<byte[]>>(() => _nodes.TryGetValue(ino, out Node? n) && n.Xattrs.TryGetValue(name, out byte[]? v) ? v : Errno.ENODATA);

    public ValueTask<Result<byte[]>> ListXattrAsync(RequestContext ctx, ulong ino) =>
        Run<Result<byte[]>>(() =>
        {
            if (!_nodes.TryGetValue(ino, out Node? n)) return Errno.ENOENT;
            var list = new List<byte>();
            foreach (string name in n.Xattrs.Keys.Order(StringComparer.Ordinal))
            {
                list.AddRange(Encoding.UTF8.GetBytes(name));
                list.Add(0);
            }
            return list.ToArray();
        });

    public ValueTask<Errno> RemoveXattrAsync(RequestContext ctx, ulong ino, string name) =>
        Run(() => _nodes.TryGetValue(ino, out Node? n) && n.Xattrs.Remove(name) ? Errno.Ok : Errno.ENODATA);

    public ValueTask<Errno> AccessAsync(RequestContext ctx, ulong ino, int mask) =>
        Run(() => _nodes.ContainsKey(ino) ? Errno.Ok : Errno.ENOENT);

    // Helpers below run under _gate.

    private Result<EntryReply> AddNode(ulong parent, ReadOnlyMemory<byte> name, uint mode, Action<Node>? init)
    {
        if (name.Length > NameMax) return Errno.ENAMETOOLONG;
        if (!_nodes.TryGetValue(parent, out Node? dir)) return Errno.ENOENT;
        if (dir.Children is null) return Errno.ENOTDIR;
        string key = Key(name);
        if (dir.Children.ContainsKey(key)) return Errno.EEXIST;
        long now = Now();
        var node = new Node { Ino = _nextIno++, Mode = mode, Parent = parent, AtimeNs = now, MtimeNs = now, CtimeNs = now };
        if ((mode & TypeMask) == Directory)
        {
            node.Children = new SortedDictionary<string, ulong>(StringComparer.Ordinal);
            node.Nlink = 2;
            dir.Nlink++;
        }
        init?.Invoke(node);
        _nodes[node.Ino] = node;
        dir.Children[key] = node.Ino;
        dir.MtimeNs = dir.CtimeNs = now;
        return CountedEntry(node);
    }

    private Errno RemoveEntry(ulong parent, string key, bool directory)
    {
        if (!_nodes.TryGetValue(parent, out Node? dir) || dir.Children is null) return Errno.ENOENT;
        if (!dir.Children.TryGetValue(key, out ulong ino)) return Errno.ENOENT;
        Node node = _nodes[ino];
        bool isDir = node.Children is not null;
        if (directory && !isDir) return Errno.ENOTDIR;
        if (!directory && isDir) return Errno.EISDIR;
        if (isDir && node.Children!.Count > 0) return Errno.ENOTEMPTY;
        dir.Children.Remove(key);
        node.Nlink = isDir ? 0 : node.Nlink - 1;
        if (isDir) dir.Nlink--;
        dir.MtimeNs = dir.CtimeNs = node.CtimeNs = Now();
        return Errno.Ok;
    }

    private EntryReply CountedEntry(Node node)
    {
        node.Lookups++;
        return new EntryReply(Attr(node), Timeout, Timeout);
    }

    private ulong NewHandle(ulong ino)
    {
        ulong handle = _nextHandle++;
        _handles[handle] = ino;
        Opens.Enqueue((ino, handle));
        return handle;
    }

    private static void Resize(Node n, long length)
    {
        if (length > n.Data.Length) Array.Resize(ref n.Data, (int)Math.Max(length, n.Data.Length * 2L));
        if (length < n.Length) Array.Clear(n.Data, (int)length, (int)(n.Length - length));
        n.Length = length;
    }

    private static FileAttr Attr(Node n) => new()
    {
        Ino = n.Ino,
        Mode = n.Mode,
        Nlink = n.Nlink,
        Uid = 0,
        Gid = 0,
        Rdev = n.Rdev,
        Size = (ulong)n.Length,
        Blocks = (ulong)((n.Length + 511) / 512),
        BlockSize = 4096,
        AtimeNs = n.AtimeNs,
        MtimeNs = n.MtimeNs,
        CtimeNs = n.CtimeNs,
    };

    private static long Now() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    private static Node NewRoot()
    {
        long now = Now();
        return new Node
        {
            Ino = 1, Mode = Directory | 0x1ED, Nlink = 2, Parent = 1, AtimeNs = now, MtimeNs = now, CtimeNs = now,
            Children = new SortedDictionary<string, ulong>(StringComparer.Ordinal),
        };
    }
}
