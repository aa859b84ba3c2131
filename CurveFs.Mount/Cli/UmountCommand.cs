using System.CommandLine;
using CurveFs.Mount.Fuse;

namespace CurveFs.Mount.Cli;

/// <summary><c>curvefs umount MOUNTPOINT [--lazy]</c>.</summary>
public static class UmountCommand
{
    public static Command Build()
    {
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "Where the filesystem is mounted." };
        var lazy = new Option<bool>("--lazy", "-l") { Description = "Detach now even if the filesystem is busy; clean up when it is no longer used." };
        var command = new Command("umount", "Unmount a CurveFs mount (buffered data is flushed by the mount process before it exits).") { mountPoint, lazy };
        command.SetAction(result =>
        {
            var path = Path.GetFullPath(result.GetValue(mountPoint)!);
            try
            {
                FuseMountTable.Unmount(path, result.GetValue(lazy));
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                Console.Error.WriteLine($"curvefs umount: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
