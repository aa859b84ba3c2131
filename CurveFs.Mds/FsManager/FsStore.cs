using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CurveFs.Common.Meta;
using CurveFs.Mds.Embedded;
using CurveFs.Mds.Etcd;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mds.FsManager;

/// <summary>What a create-fs asks for. <paramref name="PartitionSize"/> 0 and <paramref name="RootMode"/> 0 mean the defaults.</summary>
public sealed record FsSpec(string Name, uint ChunkSize, uint BlockSize, ulong CapacityBytes, FsS3Settings S3,
    ulong PartitionSize = 0, uint RootUid = 0, uint RootGid = 0, uint RootMode = 0)
{
    public ulong EffectivePartitionSize => PartitionSize == 0 ? FsRecord.DefaultPartitionSize : PartitionSize;
    public uint EffectiveRootMode => FileModes.Directory | ((RootMode == 0 ? FsRecord.DefaultRootMode : RootMode) & FileModes.PermissionMask);
    public ulong EffectiveCapacity => CapacityBytes == 0 ? FsInfo.DefaultCapacity : CapacityBytes;

    /// <summary>True when <paramref name="record"/> has these settings (a repeated create-fs may finish it).</summary>
    public bool Matches(FsRecord record) =>
        record.Info.Name == Name && record.Info.ChunkSize == ChunkSize && record.Info.BlockSize == BlockSize
        && record.Info.CapacityBytes == EffectiveCapacity && record.S3 == S3 && record.PartitionSize == EffectivePartitionSize;
}

/// <summary>
/// The filesystems of a cluster, in etcd (keys in <see cref="MdsKeys"/>): <c>fs/id/{id}</c> holds the record as
/// JSON (camelCase <see cref="FsRecord"/>, readable with etcdctl), <c>fs/name/{name}</c> the ID. A create is
/// one transaction: <c>if fs/name/{name} absent and fsid.mod_revision == seen then put fsid = id + 1,
/// fs/name/{name} = id, fs/id/{id} = record else get fs/name/{name}, get fsid</c>; the result is checked and a
/// lost race on the ID counter is retried, so names are unique and IDs never reused. A delete removes both
/// keys, the filesystem's partition records and its partition-ID counter, if the name key has not changed since
/// it was read (the caller refuses to delete a mounted filesystem); the metadata in the copysets and the objects
/// stay where they are.
/// </summary>
public sealed partial class FsStore(EtcdKv etcd, MdsKeys keys, ILogger logger)
{
    private const int MaxAttempts = 32;

    public static JsonSerializerOptions Json => MdsJson.Options;

    /// <summary>Creates the filesystem, or returns the existing one with <c>Created = false</c> when the name is taken.</summary>
    /// <exception cref="ArgumentException">a setting is invalid; the message says which.</exception>
    /// <exception cref="EtcdException">etcd did not answer or refused.</exception>
    public async Task<(FsRecord Record, bool Created)> CreateAsync(FsSpec spec, CancellationToken cancellationToken = default)
    {
        Validate(spec);
        var nameKey = keys.FsByName(spec.Name);
        var counter = await etcd.GetAsync(keys.FsIdCounter, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var next = MdsKeys.ParseCounter(counter, absent: 1);
            if (next > uint.MaxValue) throw new InvalidOperationException($"filesystem IDs are exhausted ({keys.FsIdCounter} = {next})");
            var fsId = (uint)next;
            var record = new FsRecord
            {
                Info = new FsInfo(fsId, spec.Name, spec.ChunkSize, spec.BlockSize, spec.EffectiveCapacity, FsInfo.NewUuid()),
                S3 = spec.S3,
                CreatedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                PartitionSize = spec.EffectivePartitionSize,
                RootUid = spec.RootUid,
                RootGid = spec.RootGid,
                RootMode = spec.EffectiveRootMode,
            };
            var result = await etcd.TxnAsync($"create filesystem {spec.Name}",
                [EtcdCompare.Absent(nameKey), EtcdCompare.ModRevision(keys.FsIdCounter, counter?.ModRevision ?? 0)],
                [
                    EtcdOp.Put(keys.FsIdCounter, MdsKeys.FormatCounter(next + 1)),
                    EtcdOp.Put(nameKey, fsId.ToString(CultureInfo.InvariantCulture)),
                    EtcdOp.Put(keys.FsById(fsId), JsonSerializer.SerializeToUtf8Bytes(record, Json)),
                ],
                [EtcdOp.Get(nameKey), EtcdOp.Get(keys.FsIdCounter)],
                cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                logger.LogInformation("created filesystem {Name} (fs {FsId}, chunk {Chunk}, block {Block}, data in bucket {Bucket} at {Endpoint})",
                    spec.Name, fsId, spec.ChunkSize, spec.BlockSize, spec.S3.Bucket, spec.S3.Endpoint);
                return (record, true);
            }
            if (result.Reads[0] is not null)
            {
                var existing = await GetByNameAsync(spec.Name, cancellationToken).ConfigureAwait(false);
                if (existing is not null) return (existing, false);
                // the name key was there but its record was deleted meanwhile: try again
            }
            counter = result.Reads[1];
            if (attempt >= MaxAttempts)
                throw new EtcdException($"creating filesystem {spec.Name} in etcd at {etcd.EndpointList}: {keys.FsIdCounter} changed under {MaxAttempts} transactions in a row", unreachable: false);
        }
    }

    public async Task<FsRecord?> GetByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!IsValidName(name)) return null;
        var nameKey = await etcd.GetAsync(keys.FsByName(name), cancellationToken).ConfigureAwait(false);
        if (nameKey is null) return null;
        if (!uint.TryParse(nameKey.ValueText, NumberStyles.None, CultureInfo.InvariantCulture, out var fsId))
            throw new InvalidDataException($"etcd key {nameKey.Key} holds '{nameKey.ValueText}', not a filesystem ID");
        return await GetByIdAsync(fsId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<FsRecord?> GetByIdAsync(uint fsId, CancellationToken cancellationToken = default)
    {
        var kv = await etcd.GetAsync(keys.FsById(fsId), cancellationToken).ConfigureAwait(false);
        return kv is null ? null : Decode(kv);
    }

    /// <summary>Every filesystem, by ID.</summary>
    public async Task<IReadOnlyList<FsRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        var kvs = await etcd.GetPrefixAsync(keys.FsByIdPrefix, cancellationToken).ConfigureAwait(false);
        return kvs.Select(Decode).ToList();
    }

    /// <summary>Deletes the record of <paramref name="name"/>; returns it, or null when there is none.</summary>
    public async Task<FsRecord?> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!IsValidName(name)) return null;
        var nameKey = keys.FsByName(name);
        for (var attempt = 1; ; attempt++)
        {
            var current = await etcd.GetAsync(nameKey, cancellationToken).ConfigureAwait(false);
            if (current is null) return null;
            var fsId = uint.Parse(current.ValueText, CultureInfo.InvariantCulture);
            var record = await GetByIdAsync(fsId, cancellationToken).ConfigureAwait(false);
            var result = await etcd.TxnAsync($"delete filesystem {name}",
                [EtcdCompare.ModRevision(nameKey, current.ModRevision)],
                [EtcdOp.Delete(nameKey), EtcdOp.Delete(keys.FsById(fsId)), EtcdOp.DeletePrefix(keys.PartitionPrefix(fsId)), EtcdOp.Delete(keys.PartitionIdCounter(fsId))],
                [], cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                logger.LogInformation("deleted filesystem {Name} (fs {FsId})", name, fsId);
                return record ?? new FsRecord { Info = new FsInfo(fsId, name, 0, 0, 0) };
            }
            if (attempt >= MaxAttempts)
                throw new EtcdException($"deleting filesystem {name} in etcd at {etcd.EndpointList}: its key changed under {MaxAttempts} transactions in a row", unreachable: false);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public static void Validate(FsSpec spec)
    {
        if (!IsValidName(spec.Name))
            throw new ArgumentException($"invalid filesystem name '{spec.Name}': 1-128 characters of letters, digits, '.', '_' and '-'");
        LocalFsRegistry.ValidateSizes(spec.ChunkSize, spec.BlockSize);
        if (spec.S3 is null) throw new ArgumentException("no S3 settings: a filesystem needs an S3 endpoint and bucket for its data");
        if (spec.S3.Problem() is { } problem) throw new ArgumentException(problem);
        if (spec.PartitionSize != 0 && spec.PartitionSize is < FsRecord.MinPartitionSize or > FsRecord.MaxPartitionSize)
            throw new ArgumentException($"invalid partition size {spec.PartitionSize}: between {FsRecord.MinPartitionSize} and 2^32 inode IDs (default 2^20)");
    }

    public static bool IsValidName(string? name) => name is not null && ValidName().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex ValidName();

    private static FsRecord Decode(EtcdKeyValue kv)
    {
        try
        {
            return JsonSerializer.Deserialize<FsRecord>(kv.Value, Json) ?? throw new InvalidDataException($"etcd key {kv.Key} holds no filesystem record");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"etcd key {kv.Key} does not hold a valid filesystem record: {e.Message}", e);
        }
    }
}
