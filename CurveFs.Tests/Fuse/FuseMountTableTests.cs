using CurveFs.Mount.Fuse;
using Xunit;

namespace CurveFs.Tests.Fuse;

public sealed class FuseMountTableTests
{
    [Fact]
    public void Parse_FuseLineWithEscapedSpace_ReadsPathTypeSourceAndDevice()
    {
        const string line = "612 27 0:75 / /tmp/my\\040mount rw,nosuid,nodev,relatime shared:1 - fuse.curvefs curvefs rw,user_id=0,group_id=0";

        FuseMountTable.MountEntry entry = FuseMountTable.Parse(line)!;

        Assert.Equal("/tmp/my mount", entry.MountPoint);
        Assert.Equal("fuse.curvefs", entry.FsType);
        Assert.Equal("curvefs", entry.Source);
        Assert.Equal((0, 75), (entry.DeviceMajor, entry.DeviceMinor));
    }

    [Fact]
    public void Parse_NoOptionalFields_Works()
    {
        FuseMountTable.MountEntry entry = FuseMountTable.Parse("23 27 0:22 / /sys rw,relatime - sysfs sysfs rw")!;

        Assert.Equal("/sys", entry.MountPoint);
        Assert.Equal("sysfs", entry.FsType);
    }

    [Fact]
    public void IsMounted_OrdinaryDirectory_False()
    {
        Assert.False(FuseMountTable.IsMounted(Path.GetTempPath()));
    }

    [Fact]
    public void Unmount_NotMounted_ThrowsWithThePath()
    {
        string dir = Directory.CreateTempSubdirectory("curvefs-fuse-").FullName;
        try
        {
            var ex = Assert.Throws<FuseException>(() => FuseMountTable.Unmount(dir, lazy: false));
            Assert.Contains(dir, ex.Message);
        }
        finally
        {
            Directory.Delete(dir);
        }
    }
}
