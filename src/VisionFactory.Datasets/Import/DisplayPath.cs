using System.Globalization;
using System.Text;

namespace VisionFactory.Datasets.Import;

/// <summary>
/// The original name of an imported file as it is kept and shown: control and formatting characters (e.g. the
/// right-to-left override that makes "gpj.exe" read as "exe.jpg") are written as <c>&lt;U+202E&gt;</c>. Files are
/// stored under their content hash, never under this name.
/// </summary>
public static class DisplayPath
{
    public static string Escape(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.Any(Hidden))
        {
            return path;
        }

        var builder = new StringBuilder(path.Length + 16);
        foreach (var c in path)
        {
            if (Hidden(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"<U+{(int)c:X4}>");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static bool Hidden(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
