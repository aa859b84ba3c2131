using System.Security.Cryptography;
using System.Text;
using Xunit.Abstractions;

namespace CurveFs.Tests.Integration;

/// <summary>
/// Model-based test: one random sequence of operations runs on the mount and on a local directory
/// (ext4), and every result (success or errno) and the final trees must be identical. A failure
/// prints the seed and the operations leading to it; CURVEFS_DIFF_SEED replays a sequence.
/// </summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class DifferentialTests(MountFixture mount, ITestOutputHelper output) : IClassFixture<MountFixture>
{
    private const int Operations = 2500;
    private static readonly string[] Names = ["a", "b", "c", "d", "e"];
    private static readonly string[] XattrNames = ["user.x1", "user.x2", "user.x3"];
    private static readonly uint[] Modes = [0x1A4, 0x180, 0x1ED, 0x1C0, 0x124, 0x1FF]; // 644 600 755 700 444 777

    [Fact]
    public void RandomOperations_OnMountAndLocalDirectory_GiveSameResultsAndTrees()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CURVEFS_DIFF_SEED"), out var s) ? s : 20261124;
        // Operations run in WRAPPER/root; symlinks like "../a" may point into WRAPPER, never outside it,
        // and the whole WRAPPER is compared.
        var mountWrapper = mount.NewDir("diff");
        var localWrapper = Directory.CreateTempSubdirectory("curvefs-diff-local-").FullName;
        var onMount = Directory.CreateDirectory(Path.Combine(mountWrapper, "root")).FullName;
        var local = Directory.CreateDirectory(Path.Combine(localWrapper, "root")).FullName;
        try
        {
            var random = new Random(seed);
            var largestTree = 0;
            var history = new List<string>();
            var outcomes = new Dictionary<string, int>();
            for (var i = 0; i < Operations; i++)
            {
                var op = Generate(random);
                var expected = op.Run(local);
                var actual = op.Run(onMount);
                history.Add($"{i}: {op.Describe()} -> {expected}");
                var kind = op.GetType().Name.Replace("Op", "") + (expected.StartsWith("errno") || expected.EndsWith("Exception") ? " " + expected : " ok");
                outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
                if (expected != actual)
                {
                    var recent = string.Join("\n", history.TakeLast(30));
                    Assert.Fail($"seed {seed}, operation {i}: {op.Describe()}\nlocal: {expected}\nmount: {actual}\nrecent operations:\n{recent}");
                }
                if (i % 250 == 249)
                {
                    // Compare whole trees along the way too: results can agree while state drifts.
                    var localNow = Snapshot(localWrapper);
                    Assert.Equal(string.Join("\n", localNow), string.Join("\n", Snapshot(mountWrapper)));
                    largestTree = Math.Max(largestTree, localNow.Count);
                }
            }
            var localTree = Snapshot(localWrapper);
            var mountTree = Snapshot(mountWrapper);
            output.WriteLine($"seed {seed}: {Operations} operations, final tree of {localTree.Count} entries, largest compared {largestTree}");
            foreach (var (kind, count) in outcomes.OrderBy(o => o.Key)) output.WriteLine($"  {kind}: {count}");
            // The sequence must exercise successes, not only errors.
            Assert.True(outcomes.Where(o => o.Key.EndsWith(" ok")).Sum(o => o.Value) > Operations / 5, "too few operations succeeded to be a meaningful comparison");
            Assert.Equal(string.Join("\n", localTree), string.Join("\n", mountTree));
            Assert.True(largestTree > 10, "the random sequence never built a tree worth comparing");
        }
        finally
        {
            Directory.Delete(localWrapper, recursive: true);
        }
    }

    private abstract record Op
    {
        public abstract string Run(string root);
        public abstract string Describe();
        protected static string R(int errno) => errno == 0 ? "ok" : $"errno {errno}";
    }

    private sealed record CreateOp(string Path, int Flags, uint Mode) : Op
    {
        public override string Run(string root)
        {
            var e = Posix.Open(System.IO.Path.Combine(root, Path), Posix.OCreate | Posix.OWriteOnly | Flags, Mode, out var fd);
            if (e == 0) Posix.Close(fd);
            return R(e);
        }
        public override string Describe() => $"create {Path} flags 0x{Flags:x} mode {Convert.ToString(Mode, 8)}";
    }

    private sealed record WriteOp(string Path, long Offset, byte[] Data, bool Sync) : Op
    {
        public override string Run(string root)
        {
            var e = Posix.Open(System.IO.Path.Combine(root, Path), Posix.OWriteOnly, 0, out var fd);
            if (e != 0) return R(e);
            e = Posix.PWrite(fd, Data, Offset);
            if (e == 0 && Sync) e = Posix.Fsync(fd);
            Posix.Close(fd);
            return R(e);
        }
        public override string Describe() => $"write {Path} at {Offset} len {Data.Length}{(Sync ? " + fsync" : "")}";
    }

    private sealed record ReadOp(string Path) : Op
    {
        public override string Run(string root)
        {
            try
            {
                var bytes = File.ReadAllBytes(System.IO.Path.Combine(root, Path));
                return "data " + Convert.ToHexString(SHA256.HashData(bytes))[..16] + $" len {bytes.Length}";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return e.GetType().Name;
            }
        }
        public override string Describe() => $"read {Path}";
    }

    private sealed record TruncateOp(string Path, long Size) : Op
    {
        public override string Run(string root) => R(Posix.Truncate(System.IO.Path.Combine(root, Path), Size));
        public override string Describe() => $"truncate {Path} {Size}";
    }

    private sealed record RenameOp(string From, string To, uint Flags) : Op
    {
        public override string Run(string root) => R(Posix.Rename(System.IO.Path.Combine(root, From), System.IO.Path.Combine(root, To), Flags));
        public override string Describe() => $"rename {From} {To} flags {Flags}";
    }

    private sealed record LinkOp(string From, string To) : Op
    {
        public override string Run(string root) => R(Posix.Link(System.IO.Path.Combine(root, From), System.IO.Path.Combine(root, To)));
        public override string Describe() => $"link {From} {To}";
    }

    private sealed record UnlinkOp(string Path) : Op
    {
        public override string Run(string root) => R(Posix.Unlink(System.IO.Path.Combine(root, Path)));
        public override string Describe() => $"unlink {Path}";
    }

    private sealed record MkdirOp(string Path, uint Mode) : Op
    {
        public override string Run(string root) => R(Posix.Mkdir(System.IO.Path.Combine(root, Path), Mode));
        public override string Describe() => $"mkdir {Path}";
    }

    private sealed record RmdirOp(string Path) : Op
    {
        public override string Run(string root) => R(Posix.Rmdir(System.IO.Path.Combine(root, Path)));
        public override string Describe() => $"rmdir {Path}";
    }

    /// <summary>rm -rf: keeps the random namespace from filling up with directories nothing else can remove.</summary>
    private sealed record RemoveTreeOp(string Path) : Op
    {
        public override string Run(string root) => R(Remove(System.IO.Path.Combine(root, Path)));
        public override string Describe() => $"rm -rf {Path}";

        private static int Remove(string path)
        {
            var e = Posix.Lstat(path, out var st);
            if (e != 0) return e;
            if ((st.Mode & 0xF000) != 0x4000) return Posix.Unlink(path);
            foreach (var child in Directory.EnumerateFileSystemEntries(path).Order(StringComparer.Ordinal))
            {
                e = Remove(child);
                if (e != 0) return e;
            }
            return Posix.Rmdir(path);
        }
    }

    private sealed record ChmodOp(string Path, uint Mode) : Op
    {
        public override string Run(string root) => R(Posix.Chmod(System.IO.Path.Combine(root, Path), Mode));
        public override string Describe() => $"chmod {Path} {Convert.ToString(Mode, 8)}";
    }

    private sealed record SetXattrOp(string Path, string Name, byte[] Value, int Flags) : Op
    {
        public override string Run(string root) => R(Posix.SetXattr(System.IO.Path.Combine(root, Path), Name, Value, Flags));
        public override string Describe() => $"setxattr {Path} {Name} len {Value.Length} flags {Flags}";
    }

    private sealed record RemoveXattrOp(string Path, string Name) : Op
    {
        public override string Run(string root) => R(Posix.RemoveXattr(System.IO.Path.Combine(root, Path), Name));
        public override string Describe() => $"removexattr {Path} {Name}";
    }

    private sealed record SymlinkOp(string Target, string Path) : Op
    {
        public override string Run(string root) => R(Posix.Symlink(Target, System.IO.Path.Combine(root, Path)));
        public override string Describe() => $"symlink {Target} {Path}";
    }

    private static string RandomPath(Random random)
    {
        var depth = random.Next(100) switch { < 50 => 1, < 85 => 2, _ => 3 };
        return string.Join('/', Enumerable.Range(0, depth).Select(_ => Names[random.Next(Names.Length)]));
    }

    private static byte[] RandomBytes(Random random, int max)
    {
        var data = new byte[random.Next(1, max)];
        random.NextBytes(data);
        return data;
    }

    private static Op Generate(Random random)
    {
        var path = RandomPath(random);
        return random.Next(100) switch
        {
            < 16 => new CreateOp(path, random.Next(4) switch { 0 => Posix.OExclusive, 1 => Posix.OTruncate, _ => 0 }, Modes[random.Next(Modes.Length)]),
            < 32 => new WriteOp(path, random.Next(4) == 0 ? random.Next(200_000) : random.Next(20_000), RandomBytes(random, 16_384), random.Next(10) == 0),
            < 38 => new ReadOp(path),
            < 44 => new TruncateOp(path, random.Next(3) == 0 ? 0 : random.Next(120_000)),
            < 56 => new RenameOp(path, RandomPath(random), random.Next(10) switch { 0 => 1u, 1 => 2u, _ => 0u }),
            < 62 => new LinkOp(path, RandomPath(random)),
            < 72 => new UnlinkOp(path),
            < 78 => new MkdirOp(path, 0x1ED),
            < 83 => new RmdirOp(path),
            < 85 => new RemoveTreeOp(path),
            < 90 => new ChmodOp(path, Modes[random.Next(Modes.Length)]),
            < 95 => new SetXattrOp(path, XattrNames[random.Next(XattrNames.Length)], RandomBytes(random, 64), random.Next(3)),
            < 97 => new RemoveXattrOp(path, XattrNames[random.Next(XattrNames.Length)]),
            _ => new SymlinkOp(random.Next(3) switch { 0 => Names[random.Next(Names.Length)], 1 => "../" + Names[random.Next(Names.Length)], _ => RandomPath(random) }, path),
        };
    }

    /// <summary>Every entry under root with what a user can observe of it (times excepted).</summary>
    private static List<string> Snapshot(string root)
    {
        var lines = new List<string>();
        void Walk(string dir, string relative)
        {
            foreach (var name in Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            {
                var path = Path.Combine(dir, name!);
                var rel = relative.Length == 0 ? name! : relative + "/" + name;
                Assert.Equal(0, Posix.Lstat(path, out var st));
                var type = st.Mode & 0xF000;
                var line = new StringBuilder($"{rel} type {type:x} nlink {st.Nlink} uid {st.Uid} gid {st.Gid}");
                if (type != 0xA000) line.Append($" mode {Convert.ToString(st.Mode & 0xFFF, 8)}");
                if (type == 0x8000) line.Append($" size {st.Size} sha {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))[..16]}");
                if (type == 0xA000) line.Append($" -> {Posix.ReadLink(path)}");
                foreach (var (k, v) in Posix.Xattrs(path)) line.Append($" {k}={v}");
                lines.Add(line.ToString());
                if (type == 0x4000) Walk(path, rel);
            }
        }
        Walk(root, "");
        return lines;
    }
}
