using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CurveFs.Mount.Fuse;
using Xunit;

namespace CurveFs.Tests.Fuse;

/// <summary>
/// The C# mirrors of libfuse 3.14 / glibc structures must match x86_64 byte for byte. The numbers below
/// were measured with gcc against /usr/include/fuse3 (the program is <see cref="LayoutProgram"/>);
/// <see cref="Layout_MatchesGccOnThisMachine"/> measures again when gcc and the headers are present.
/// </summary>
public sealed class FuseLayoutTests
{
    /// <summary>name -> measured value: sizeof(struct) or offsetof(struct, field).</summary>
    private static readonly Dictionary<string, long> Measured = new()
    {
        ["sizeof(struct stat)"] = 144,
        ["offsetof(struct stat,st_ino)"] = 8,
        ["offsetof(struct stat,st_nlink)"] = 16,
        ["offsetof(struct stat,st_mode)"] = 24,
        ["offsetof(struct stat,st_uid)"] = 28,
        ["offsetof(struct stat,st_gid)"] = 32,
        ["offsetof(struct stat,st_rdev)"] = 40,
        ["offsetof(struct stat,st_size)"] = 48,
        ["offsetof(struct stat,st_blksize)"] = 56,
        ["offsetof(struct stat,st_blocks)"] = 64,
        ["offsetof(struct stat,st_atim)"] = 72,
        ["offsetof(struct stat,st_mtim)"] = 88,
        ["offsetof(struct stat,st_ctim)"] = 104,
        ["sizeof(struct timespec)"] = 16,
        ["sizeof(struct fuse_entry_param)"] = 176,
        ["offsetof(struct fuse_entry_param,generation)"] = 8,
        ["offsetof(struct fuse_entry_param,attr)"] = 16,
        ["offsetof(struct fuse_entry_param,attr_timeout)"] = 160,
        ["offsetof(struct fuse_entry_param,entry_timeout)"] = 168,
        ["sizeof(struct fuse_file_info)"] = 40,
        ["offsetof(struct fuse_file_info,flags)"] = 0,
        ["offsetof(struct fuse_file_info,fh)"] = 16,
        ["offsetof(struct fuse_file_info,lock_owner)"] = 24,
        ["offsetof(struct fuse_file_info,poll_events)"] = 32,
        ["bit(fuse_file_info.direct_io)"] = 0x2,
        ["bit(fuse_file_info.keep_cache)"] = 0x4,
        ["bit(fuse_file_info.cache_readdir)"] = 0x40,
        ["sizeof(struct fuse_args)"] = 24,
        ["offsetof(struct fuse_args,argv)"] = 8,
        ["offsetof(struct fuse_args,allocated)"] = 16,
        ["sizeof(struct fuse_ctx)"] = 16,
        ["offsetof(struct fuse_ctx,pid)"] = 8,
        ["offsetof(struct fuse_ctx,umask)"] = 12,
        ["sizeof(struct statvfs)"] = 112,
        ["offsetof(struct statvfs,f_bavail)"] = 32,
        ["offsetof(struct statvfs,f_ffree)"] = 48,
        ["offsetof(struct statvfs,f_namemax)"] = 80,
        ["sizeof(struct fuse_conn_info)"] = 128,
        ["offsetof(struct fuse_conn_info,max_write)"] = 8,
        ["offsetof(struct fuse_conn_info,max_readahead)"] = 16,
        ["offsetof(struct fuse_conn_info,capable)"] = 20,
        ["offsetof(struct fuse_conn_info,want)"] = 24,
        ["offsetof(struct fuse_conn_info,max_background)"] = 28,
        ["offsetof(struct fuse_conn_info,congestion_threshold)"] = 32,
        ["offsetof(struct fuse_conn_info,time_gran)"] = 36,
        ["sizeof(struct fuse_forget_data)"] = 16,
        ["sizeof(struct fuse_lowlevel_ops)"] = 352,
        ["offsetof(struct fuse_lowlevel_ops,create)"] = 240,
        ["offsetof(struct fuse_lowlevel_ops,forget_multi)"] = 304,
        ["offsetof(struct fuse_lowlevel_ops,fallocate)"] = 320,
        ["offsetof(struct fuse_lowlevel_ops,readdirplus)"] = 328,
        ["offsetof(struct fuse_lowlevel_ops,lseek)"] = 344,
    };

    /// <summary>The same names measured on the C# side.</summary>
    private static readonly Dictionary<string, long> Managed = new()
    {
        ["sizeof(struct stat)"] = Unsafe.SizeOf<NativeStat>(),
        ["offsetof(struct stat,st_ino)"] = Offset<NativeStat>(nameof(NativeStat.Ino)),
        ["offsetof(struct stat,st_nlink)"] = Offset<NativeStat>(nameof(NativeStat.Nlink)),
        ["offsetof(struct stat,st_mode)"] = Offset<NativeStat>(nameof(NativeStat.Mode)),
        ["offsetof(struct stat,st_uid)"] = Offset<NativeStat>(nameof(NativeStat.Uid)),
        ["offsetof(struct stat,st_gid)"] = Offset<NativeStat>(nameof(NativeStat.Gid)),
        ["offsetof(struct stat,st_rdev)"] = Offset<NativeStat>(nameof(NativeStat.Rdev)),
        ["offsetof(struct stat,st_size)"] = Offset<NativeStat>(nameof(NativeStat.Size)),
        ["offsetof(struct stat,st_blksize)"] = Offset<NativeStat>(nameof(NativeStat.BlkSize)),
        ["offsetof(struct stat,st_blocks)"] = Offset<NativeStat>(nameof(NativeStat.Blocks)),
        ["offsetof(struct stat,st_atim)"] = Offset<NativeStat>(nameof(NativeStat.Atime)),
        ["offsetof(struct stat,st_mtim)"] = Offset<NativeStat>(nameof(NativeStat.Mtime)),
        ["offsetof(struct stat,st_ctim)"] = Offset<NativeStat>(nameof(NativeStat.Ctime)),
        ["sizeof(struct timespec)"] = Unsafe.SizeOf<Timespec>(),
        ["sizeof(struct fuse_entry_param)"] = Unsafe.SizeOf<FuseEntryParam>(),
        ["offsetof(struct fuse_entry_param,generation)"] = Offset<FuseEntryParam>(nameof(FuseEntryParam.Generation)),
        ["offsetof(struct fuse_entry_param,attr)"] = Offset<FuseEntryParam>(nameof(FuseEntryParam.Attr)),
        ["offsetof(struct fuse_entry_param,attr_timeout)"] = Offset<FuseEntryParam>(nameof(FuseEntryParam.AttrTimeout)),
        ["offsetof(struct fuse_entry_param,entry_timeout)"] = Offset<FuseEntryParam>(nameof(FuseEntryParam.EntryTimeout)),
        ["sizeof(struct fuse_file_info)"] = Unsafe.SizeOf<FuseFileInfo>(),
        ["offsetof(struct fuse_file_info,flags)"] = Offset<FuseFileInfo>(nameof(FuseFileInfo.Flags)),
        ["offsetof(struct fuse_file_info,fh)"] = Offset<FuseFileInfo>(nameof(FuseFileInfo.Fh)),
        ["offsetof(struct fuse_file_info,lock_owner)"] = Offset<FuseFileInfo>(nameof(FuseFileInfo.LockOwner)),
        ["offsetof(struct fuse_file_info,poll_events)"] = Offset<FuseFileInfo>(nameof(FuseFileInfo.PollEvents)),
        ["bit(fuse_file_info.direct_io)"] = FuseFileInfo.DirectIoBit,
        ["bit(fuse_file_info.keep_cache)"] = FuseFileInfo.KeepCacheBit,
        ["bit(fuse_file_info.cache_readdir)"] = FuseFileInfo.CacheReaddirBit,
        ["sizeof(struct fuse_args)"] = Unsafe.SizeOf<FuseArgs>(),
        ["offsetof(struct fuse_args,argv)"] = Offset<FuseArgs>(nameof(FuseArgs.Argv)),
        ["offsetof(struct fuse_args,allocated)"] = Offset<FuseArgs>(nameof(FuseArgs.Allocated)),
        ["sizeof(struct fuse_ctx)"] = Unsafe.SizeOf<FuseCtx>(),
        ["offsetof(struct fuse_ctx,pid)"] = Offset<FuseCtx>(nameof(FuseCtx.Pid)),
        ["offsetof(struct fuse_ctx,umask)"] = Offset<FuseCtx>(nameof(FuseCtx.Umask)),
        ["sizeof(struct statvfs)"] = Unsafe.SizeOf<NativeStatVfs>(),
        ["offsetof(struct statvfs,f_bavail)"] = Offset<NativeStatVfs>(nameof(NativeStatVfs.Bavail)),
        ["offsetof(struct statvfs,f_ffree)"] = Offset<NativeStatVfs>(nameof(NativeStatVfs.Ffree)),
        ["offsetof(struct statvfs,f_namemax)"] = Offset<NativeStatVfs>(nameof(NativeStatVfs.Namemax)),
        ["sizeof(struct fuse_conn_info)"] = Unsafe.SizeOf<FuseConnInfo>(),
        ["offsetof(struct fuse_conn_info,max_write)"] = Offset<FuseConnInfo>(nameof(FuseConnInfo.MaxWrite)),
        ["offsetof(struct fuse_conn_info,max_readahead)"] = Offset<FuseConnInfo>(nameof(FuseConnInfo.MaxReadahead)),
        ["offsetof(struct fuse_conn_info,capable)"] = Offset<FuseConnInfo>(nameof(FuseConnInfo.Capable)),
        ["offsetof(struct fuse_conn_info,want)"] = Offset<FuseConnInfo>(nameof(FuseConnInfo.Want)),
        ["offsetof(struct fuse_conn_info,max_background)"] = Offset<FuseConnInfo>(nameof(FuseConnInfo.MaxBackground)),
        ["offsetof(struct fuse_conn_info,congestion_threshold)"] = Offset<FuseConnInfo>(nameof(FuseConnInfo.CongestionThreshold)),
        ["offsetof(struct fuse_conn_info,time_gran)"] = Offset<FuseConnInfo>(nameof(FuseConnInfo.TimeGran)),
        ["sizeof(struct fuse_forget_data)"] = Unsafe.SizeOf<FuseForgetData>(),
        ["sizeof(struct fuse_lowlevel_ops)"] = Unsafe.SizeOf<FuseLowLevelOps>(),
        ["offsetof(struct fuse_lowlevel_ops,create)"] = Offset<FuseLowLevelOps>(nameof(FuseLowLevelOps.Create)),
        ["offsetof(struct fuse_lowlevel_ops,forget_multi)"] = Offset<FuseLowLevelOps>(nameof(FuseLowLevelOps.ForgetMulti)),
        ["offsetof(struct fuse_lowlevel_ops,fallocate)"] = Offset<FuseLowLevelOps>(nameof(FuseLowLevelOps.Fallocate)),
        ["offsetof(struct fuse_lowlevel_ops,readdirplus)"] = Offset<FuseLowLevelOps>(nameof(FuseLowLevelOps.ReadDirPlus)),
        ["offsetof(struct fuse_lowlevel_ops,lseek)"] = Offset<FuseLowLevelOps>(nameof(FuseLowLevelOps.Lseek)),
    };

    private static long Offset<T>(string field) => Marshal.OffsetOf<T>(field).ToInt64();

    [Fact]
    public void Layout_MatchesTheMeasuredNumbers()
    {
        Assert.Equal(Measured.Keys.Order(), Managed.Keys.Order());
        foreach ((string name, long expected) in Measured)
            Assert.True(expected == Managed[name], $"{name}: measured {expected}, C# has {Managed[name]}");
        // Marshal's view must agree with the unmanaged view for the blittable structs handed to libfuse.
        Assert.Equal(144, Marshal.SizeOf<NativeStat>());
        Assert.Equal(176, Marshal.SizeOf<FuseEntryParam>());
        Assert.Equal(40, Marshal.SizeOf<FuseFileInfo>());
    }

    [Fact]
    public void OpsTable_FillsEveryImplementedSlot_LeavesLocksNull()
    {
        FuseLowLevelOps ops = FuseOperations.Create();
        nint[] slots = MemoryMarshal.Cast<FuseLowLevelOps, nint>(new Span<FuseLowLevelOps>(ref ops)).ToArray();
        int[] nullSlots = slots.Select((p, i) => (p, i)).Where(s => s.p == 0).Select(s => s.i).ToArray();

        // getlk 31, setlk 32, bmap 33, ioctl 34, poll 35, write_buf 36, retrieve_reply 37, flock 39,
        // copy_file_range 42, lseek 43 (slot numbers measured with gcc).
        Assert.Equal([31, 32, 33, 34, 35, 36, 37, 39, 42, 43], nullSlots);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Layout_MatchesGccOnThisMachine()
    {
        if (!File.Exists("/usr/include/fuse3/fuse_lowlevel.h") || !File.Exists("/usr/bin/gcc"))
            return; // nothing to compare against; the numbers above were measured where both exist

        string dir = Directory.CreateTempSubdirectory("curvefs-layout-").FullName;
        try
        {
            string source = Path.Combine(dir, "layout.c");
            string binary = Path.Combine(dir, "layout");
            File.WriteAllText(source, LayoutProgram);
            RunProcess("/usr/bin/gcc", "-Wall", "-I/usr/include/fuse3", "-o", binary, source);
            var fromC = RunProcess(binary).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('='))
                .ToDictionary(parts => parts[0], parts => long.Parse(parts[1]));

            Assert.Equal(Measured, fromC);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string RunProcess(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} failed: {stderr}");
        return stdout;
    }

    /// <summary>Prints every entry of <see cref="Measured"/> as name=value.</summary>
    internal const string LayoutProgram = """
        #define FUSE_USE_VERSION 314
        #include <fuse_lowlevel.h>
        #include <stdio.h>
        #include <stddef.h>
        #include <string.h>
        #define S(t) printf("sizeof(%s)=%zu\n", #t, sizeof(t))
        #define O(t, f) printf("offsetof(%s,%s)=%zu\n", #t, #f, offsetof(t, f))
        #define B(f) do { struct fuse_file_info fi; unsigned w; memset(&fi, 0, sizeof fi); fi.f = 1; \
            memcpy(&w, (char *)&fi + 4, 4); printf("bit(fuse_file_info.%s)=%u\n", #f, w); } while (0)
        int main(void)
        {
            S(struct stat); O(struct stat, st_ino); O(struct stat, st_nlink); O(struct stat, st_mode);
            O(struct stat, st_uid); O(struct stat, st_gid); O(struct stat, st_rdev); O(struct stat, st_size);
            O(struct stat, st_blksize); O(struct stat, st_blocks); O(struct stat, st_atim);
            O(struct stat, st_mtim); O(struct stat, st_ctim);
            S(struct timespec);
            S(struct fuse_entry_param); O(struct fuse_entry_param, generation); O(struct fuse_entry_param, attr);
            O(struct fuse_entry_param, attr_timeout); O(struct fuse_entry_param, entry_timeout);
            S(struct fuse_file_info); O(struct fuse_file_info, flags); O(struct fuse_file_info, fh);
            O(struct fuse_file_info, lock_owner); O(struct fuse_file_info, poll_events);
            B(direct_io); B(keep_cache); B(cache_readdir);
            S(struct fuse_args); O(struct fuse_args, argv); O(struct fuse_args, allocated);
            S(struct fuse_ctx); O(struct fuse_ctx, pid); O(struct fuse_ctx, umask);
            S(struct statvfs); O(struct statvfs, f_bavail); O(struct statvfs, f_ffree); O(struct statvfs, f_namemax);
            S(struct fuse_conn_info); O(struct fuse_conn_info, max_write); O(struct fuse_conn_info, max_readahead);
            O(struct fuse_conn_info, capable); O(struct fuse_conn_info, want); O(struct fuse_conn_info, max_background);
            O(struct fuse_conn_info, congestion_threshold); O(struct fuse_conn_info, time_gran);
            S(struct fuse_forget_data);
            S(struct fuse_lowlevel_ops); O(struct fuse_lowlevel_ops, create); O(struct fuse_lowlevel_ops, forget_multi);
            O(struct fuse_lowlevel_ops, fallocate); O(struct fuse_lowlevel_ops, readdirplus);
            O(struct fuse_lowlevel_ops, lseek);
            return 0;
        }
        """;
}
