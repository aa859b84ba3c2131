using System.Runtime.CompilerServices;
using CurveFs.Common.Meta;
using CurveFs.Mount.Meta.Transactions;

namespace CurveFs.Mount.Admin;

/// <summary>Reads raw KV pairs of one copyset under a prefix, page by page (ScanQuery), for the admin tools.</summary>
public static class CopysetScan
{
    private const int Page = 5000;

    /// <exception cref="IOException">the copyset could not be read (the message says which and why).</exception>
    public static async IAsyncEnumerable<KvPair> ScanAsync(ICopysetAccess copysets, uint fsId, uint copyset, byte[] prefix,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var from = prefix;
        var to = MetaKeys.PrefixEnd(prefix);
        while (true)
        {
            var result = await copysets.QueryAsync(copyset, new ScanQuery { FsId = fsId, From = from, To = to, Limit = Page }, cancellationToken).ConfigureAwait(false);
            if (!result.Ok) throw new IOException($"reading copyset {copyset} failed with {result.Error}");
            var page = result.Pairs ?? [];
            foreach (var pair in page) yield return pair;
            if (page.Count < Page) yield break;
            from = [.. page[^1].Key, 0];
        }
    }
}
