using System.Collections.Concurrent;
using CurveFs.Common.Meta;

namespace CurveFs.Mount.Vfs;

/// <summary>
/// Turns a request's uid/gid/pid into a <see cref="Caller"/> with supplementary groups, read from
/// /proc/PID/status (what fuse_req_getgroups does). Results are cached per process for a short time,
/// since most requests come in bursts from one process.
/// </summary>
internal sealed class CallerResolver
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);
    private readonly ConcurrentDictionary<int, (Caller Caller, long Expires)> _cache = new();

    public Caller Resolve(RequestContext ctx)
    {
        if (ctx.Uid == 0) return ctx.Gid == 0 ? Caller.Root : new Caller(0, ctx.Gid, []);
        var now = Environment.TickCount64;
        if (_cache.TryGetValue(ctx.Pid, out var cached) && cached.Expires > now
            && cached.Caller.Uid == ctx.Uid && cached.Caller.Gid == ctx.Gid)
            return cached.Caller;
        var caller = new Caller(ctx.Uid, ctx.Gid, ReadGroups(ctx.Pid));
        if (_cache.Count > 4096) _cache.Clear();
        _cache[ctx.Pid] = (caller, now + (long)Lifetime.TotalMilliseconds);
        return caller;
    }

    private static uint[] ReadGroups(int pid)
    {
        if (pid <= 0) return [];
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("Groups:", StringComparison.Ordinal)) continue;
                var parts = line["Groups:".Length..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                var groups = new uint[parts.Length];
                for (var i = 0; i < parts.Length; i++) groups[i] = uint.Parse(parts[i]);
                return groups;
            }
        }
        catch (IOException)
        {
            // The process already exited: its primary gid is all we know.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return [];
    }
}
