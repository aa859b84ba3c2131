using System.Text.Json;

namespace CurveFs.Mount.Playground;

/// <summary>The kinds of playground processes, in start order.</summary>
public static class PlaygroundKinds
{
    public const string Etcd = "etcd";
    public const string S3 = "s3";
    public const string Mds = "mds";
    public const string MetaServer = "metaserver";

    public static int StartOrder(string kind) => kind switch
    {
        Etcd => 0,
        S3 => 1,
        Mds => 2,
        _ => 3,
    };
}

/// <summary>One process of a playground: what it is, its pid, the address it serves, where it logs.
/// <paramref name="ConfigPath"/> is the config file of a CurveFs server, or the data directory of etcd or the
/// S3 server; <paramref name="PeerAddress"/> is etcd's peer address.</summary>
public sealed record PlaygroundProcess(string Kind, int NodeId, int Pid, string Address, string ConfigPath, string LogPath, string? PeerAddress = null);

/// <summary>The playground's S3 endpoint and bucket.</summary>
public sealed record PlaygroundS3(string Server, string Endpoint, string Bucket, string AccessKey, string SecretKey);

/// <summary>
/// DIR/playground.json: what <c>curvefs playground up DIR</c> started, so status and down find it again
/// and a second up restarts the same cluster with its data.
/// </summary>
public sealed record PlaygroundState
{
    public const string FileName = "playground.json";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string FsName { get; init; } = "playground";
    public ulong PartitionSize { get; init; }
    public string MountPoint { get; init; } = "";
    public PlaygroundS3? S3 { get; init; }
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

    public IEnumerable<PlaygroundProcess> OfKind(string kind) => Processes.Where(p => p.Kind == kind);

    public IEnumerable<string> MetaServerEndpoints => OfKind(PlaygroundKinds.MetaServer).Select(p => p.Address);

    public string MdsEndpoints => string.Join(',', OfKind(PlaygroundKinds.Mds).Select(p => p.Address));

    public string EtcdEndpoint => OfKind(PlaygroundKinds.Etcd).Single().Address;

    /// <summary>The command that mounts this playground's filesystem.</summary>
    public string MountCommand => $"curvefs mount --mds {MdsEndpoints} --fs {FsName} {MountPoint}";
}
