using System.Globalization;
using Microsoft.VisualBasic.FileIO;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Import.Formats;

/// <summary>
/// A CSV manifest (comma, semicolon or tab separated, fields optionally quoted) with a header row naming the columns
/// <c>path</c> and <c>label</c>; other columns are ignored.
/// </summary>
internal sealed class CsvManifestSource(string path, ArchiveLimits limits) : ManifestSource(path, Parse(path), limits)
{
    private const long MaxManifestBytes = 256L << 20;

    private static List<ManifestRow> Parse(string path)
    {
        CheckSize(path, MaxManifestBytes);
        var rows = new List<ManifestRow>();
        var name = Path.GetFileName(path);
        try
        {
            using var parser = new TextFieldParser(path) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = true };
            var firstLine = File.ReadLines(path).FirstOrDefault() ?? "";
            parser.SetDelimiters(firstLine.Contains('\t', StringComparison.Ordinal) ? "\t" : firstLine.Contains(';', StringComparison.Ordinal) && !firstLine.Contains(',', StringComparison.Ordinal) ? ";" : ",");
            var header = parser.ReadFields()?.Select(h => h.Trim().ToLowerInvariant()).ToList() ?? [];
            var pathColumn = header.IndexOf("path");
            var labelColumn = header.IndexOf("label");
            if (pathColumn < 0 || labelColumn < 0)
            {
                throw ProblemException.Invalid($"'{name}' needs a header row with the columns path and label, e.g. 'path,label' then 'images/1.jpg,cat'");
            }

            while (!parser.EndOfData)
            {
                var line = parser.LineNumber;
                var fields = parser.ReadFields();
                if (fields is null || fields.All(string.IsNullOrWhiteSpace))
                {
                    continue;
                }

                var where = string.Create(CultureInfo.InvariantCulture, $"{name} line {line}");
                if (fields.Length <= Math.Max(pathColumn, labelColumn))
                {
                    throw ProblemException.Invalid($"{where}: {fields.Length} fields, but the header names {header.Count}; nothing was imported");
                }

                rows.Add(new ManifestRow(fields[pathColumn], fields[labelColumn], where));
            }
        }
        catch (MalformedLineException e)
        {
            throw ProblemException.Invalid($"'{name}' is not a readable CSV manifest: line {e.LineNumber} is malformed (an unclosed quote?)");
        }

        return rows;
    }
}
