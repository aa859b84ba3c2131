using System.Text.Json;

namespace CurveFs.Mount.Playground;

/// <summary>One process of a playground: what it is, its pid, the address it serves, where it logs.</summary>
public sealed record PlaygroundProcess(string Kind, int NodeId, int Pid, string Address, string ConfigPath, string LogPath);

/// <summary>
/// DIR/playground.json: what <c>curvefs playground up DIR</c> started, so status and down find it again
/// and a second up restarts the same cluster with its data.
/// </summary>
public sealed record PlaygroundState
{
    public const string FileName = "playground.json";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string FsName { get; init; } = "playground";
    public string Storage { get; init; } = "";
    public string MountPoint { get; init; } = "";
    public List<PlaygroundProcess> Processes { get; init; } = [];

    public static PlaygroundState? Load(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        return JsonSerializer.Deserialize<PlaygroundState>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path} is empty");
    }

    public void Save(string dir)
    {
        var path = Path.Combine(dir, FileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, Json));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public IEnumerable<string> MetaServerEndpoints => Processes.Where(p => p.Kind == "metaserver").Select(p => p.Address);

    /// <summary>The command that mounts this playground's filesystem.</summary>
    public string MountCommand =>
        $"curvefs mount --metaservers {string.Join(',', MetaServerEndpoints)} --fs {FsName} --storage {Storage} {MountPoint}";
}
