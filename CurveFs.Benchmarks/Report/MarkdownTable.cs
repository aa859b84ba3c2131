using System.Text;

namespace CurveFs.Benchmarks.Report;

/// <summary>A GitHub-flavoured markdown table: the leading text columns left-aligned, the others (figures) right-aligned.</summary>
public sealed class MarkdownTable(int textColumns, params string[] headers)
{
    private readonly List<string[]> _rows = [];

    /// <summary>A table whose first column is text and the rest figures.</summary>
    public MarkdownTable(params string[] headers)
        : this(1, headers)
    {
    }

    public int RowCount => _rows.Count;

    /// <summary>Adds a row unless every figure cell (after the text columns) is the missing mark.</summary>
    public MarkdownTable AddIfAny(params string[] cells)
    {
        if (cells.Skip(textColumns).Any(c => c != Figures.Missing)) Add(cells);
        return this;
    }

    public MarkdownTable Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
            throw new ArgumentException($"a row of {cells.Length} cells in a table of {headers.Length} columns");
        _rows.Add([.. cells.Select(Escape)]);
        return this;
    }

    public string Render()
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", headers.Select(Escape)).AppendLine(" |");
        text.Append('|').AppendJoin('|', headers.Select((_, i) => i < textColumns ? "---" : "---:")).AppendLine("|");
        foreach (var row in _rows) text.Append("| ").AppendJoin(" | ", row).AppendLine(" |");
        return text.ToString();
    }

    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
