using System.Collections.Concurrent;
using CurveFs.MetaServer.Hosting;

namespace CurveFs.MetaServer.Service;

/// <summary>The copysets a metaserver hosts, as its RPC service finds them.</summary>
public interface ICopysetRegistry
{
    /// <summary>The copyset with this ID, or null when this server does not host it.</summary>
    ICopyset? Find(uint copysetId);

    /// <summary>Every hosted copyset (a snapshot of the list).</summary>
    IReadOnlyList<ICopyset> All();
}

/// <summary>A registry copysets can be added to and removed from while the server runs. Thread-safe.</summary>
public sealed class CopysetRegistry : ICopysetRegistry
{
    private readonly ConcurrentDictionary<uint, ICopyset> _copysets = new();

    public CopysetRegistry(params IEnumerable<ICopyset> copysets)
    {
        foreach (var copyset in copysets) Add(copyset);
    }

    /// <exception cref="InvalidOperationException">a copyset with the same ID is already registered.</exception>
    public void Add(ICopyset copyset)
    {
        if (!_copysets.TryAdd(copyset.CopysetId, copyset))
            throw new InvalidOperationException($"copyset {copyset.CopysetId} is already registered");
    }

    public bool Remove(uint copysetId) => _copysets.TryRemove(copysetId, out _);

    public ICopyset? Find(uint copysetId) => _copysets.GetValueOrDefault(copysetId);

    public IReadOnlyList<ICopyset> All() => [.. _copysets.Values.OrderBy(c => c.CopysetId)];
}
