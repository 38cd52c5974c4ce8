using System.Text;

namespace VisionFactory.Server.Components.Charts;

/// <summary>
/// Text handed to plotly.js. Plotly reads a small subset of HTML in every label (<c>&lt;b&gt;</c>, <c>&lt;a href&gt;</c>,
/// <c>&lt;br&gt;</c>...) and decodes entities (&amp;, &lt;, &gt; and numeric ones), so a user's class name is encoded first: it then shows as the text it is.
/// </summary>
public static class PlotText
{
    public static string Encode(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var encoded = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            encoded.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&#34;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }

        return encoded.ToString();
    }
}
