using System.Runtime.InteropServices;

namespace CurveFs.Mount.Hosting;

/// <summary>This process's user and group IDs (libc), for the owner of a new filesystem's root.</summary>
internal static partial class ProcessIdentity
{
    public static uint Uid => getuid();
    public static uint Gid => getgid();
    public static uint EffectiveUid => geteuid();

    [LibraryImport("libc")]
    private static partial uint getuid();

    [LibraryImport("libc")]
    private static partial uint getgid();

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
