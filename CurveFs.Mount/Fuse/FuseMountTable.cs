using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace CurveFs.Mount.Fuse;

/// <summary>FUSE mounts as the kernel lists them, and unmounting through fusermount3.</summary>
public static class FuseMountTable
{
    private static readonly TimeSpan UnmountTimeout = TimeSpan.FromSeconds(30);

    /// <summary>One line of /proc/self/mountinfo.</summary>
    public sealed record MountEntry(string MountPoint, string FsType, string Source, int DeviceMajor, int DeviceMinor);

    /// <summary>Runs <c>fusermount3 -u [-z] MOUNTPOINT</c>. A lazy unmount detaches the mount now and
    /// finishes once nothing uses it any more.</summary>
    /// <exception cref="FuseException">fusermount3 is missing, failed, or hung.</exception>
    public static void Unmount(string mountPoint, bool lazy)
    {
        string path = Normalize(mountPoint);
        var start = new ProcessStartInfo("fusermount3")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.ArgumentList.Add("-u");
        if (lazy) start.ArgumentList.Add("-z");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(path);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new FuseException($"could not start fusermount3 to unmount {path}");
        }
        catch (Win32Exception ex)
        {
            throw new FuseException($"could not run fusermount3 to unmount {path} ({ex.Message}); install the fuse3 package", ex);
        }

        using (process)
        {
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(UnmountTimeout))
            {
                process.Kill();
                throw new FuseException($"fusermount3 -u {path} did not finish within {UnmountTimeout.TotalSeconds:0} s; " +
                    "the filesystem may be hung: try 'fusermount3 -uz' or abort it under /sys/fs/fuse/connections");
            }
            if (process.ExitCode != 0)
            {
                string message = (stderr.Result + stdout.Result).Trim();
                string hint = message.Contains("busy", StringComparison.OrdinalIgnoreCase)
                    ? " Close the files and working directories under it, or unmount lazily."
                    : message.Contains("not found", StringComparison.OrdinalIgnoreCase) || message.Contains("not mounted", StringComparison.OrdinalIgnoreCase)
                        ? " Nothing is mounted there (check /proc/self/mountinfo)."
                        : "";
                throw new FuseException($"could not unmount {path}: {message} (fusermount3 exit code {process.ExitCode}).{hint}");
            }
        }
    }

    /// <summary>True when the topmost mount at <paramref name="mountPoint"/> is a FUSE filesystem.</summary>
    public static bool IsMounted(string mountPoint) => Find(mountPoint) is not null;

    /// <summary>The topmost mount at <paramref name="mountPoint"/> if it is a FUSE filesystem.</summary>
    public static MountEntry? Find(string mountPoint)
    {
        string path = Normalize(mountPoint);
        MountEntry? top = null;
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            MountEntry? entry = Parse(line);
            if (entry is not null && entry.MountPoint == path) top = entry;
        }
        return top is not null && IsFuse(top.FsType) ? top : null;
    }

    private static bool IsFuse(string fsType) =>
        fsType is "fuse" or "fuseblk" || fsType.StartsWith("fuse.", StringComparison.Ordinal);

    // Format (proc(5)): id parent major:minor root mount-point options [optional fields...] - fstype source super-options
    internal static MountEntry? Parse(string line)
    {
        string[] fields = line.Split(' ');
        int separator = Array.IndexOf(fields, "-", 6);
        if (fields.Length < 7 || separator < 0 || separator + 2 >= fields.Length) return null;
        string[] device = fields[2].Split(':');
        if (device.Length != 2 || !int.TryParse(device[0], out int major) || !int.TryParse(device[1], out int minor)) return null;
        return new MountEntry(Unescape(fields[4]), fields[separator + 1], Unescape(fields[separator + 2]), major, minor);
    }

    // The kernel escapes space, tab, newline and backslash as \ooo octal; all are ASCII.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var text = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                text.Append((char)((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }
        return text.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 2 < s.Length && s[at] is >= '0' and <= '3' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';

    internal static string Normalize(string mountPoint)
    {
        string full = Path.GetFullPath(mountPoint);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }
}
