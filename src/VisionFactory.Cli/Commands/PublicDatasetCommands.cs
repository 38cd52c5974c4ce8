using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using VisionFactory.Datasets.Collect.PublicData;
using VisionFactory.Datasets.Jobs;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf dataset public list</c>: the public datasets <c>vf dataset import &lt;name&gt; --public &lt;id&gt;</c> imports.</summary>
internal static class PublicDatasetCommands
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var list = new Command("list", "The public datasets this installation can import, with their addresses, digests and sizes");
        list.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            var catalog = services.GetRequiredService<ImportService>().PublicCatalog();
            var mirror = services.GetRequiredService<IOptions<PublicDatasetOptions>>().Value.Mirror;
            if (cli.Json)
            {
                cli.WriteJson(new { datasets = catalog.Datasets, mirror });
                return 0;
            }

            var table = new Table().AddColumns("id", "dataset", "files", "size", "verified by", "address");
            foreach (var d in catalog.Datasets)
            {
                var digests = d.Files.Select(f => f.Sha256 is not null ? "SHA-256" : f.Md5 is not null ? "MD5" : "none").Distinct().ToList();
                table.AddRow(
                    Markup.Escape(d.Id),
                    Markup.Escape(d.Title),
                    d.Files.Count.ToString(CultureInfo.InvariantCulture),
                    d.Bytes is { } bytes ? (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB" : "unknown",
                    string.Join(", ", digests) + (d.Verified ? "" : " (no digest published)"),
                    Markup.Escape(mirror is null ? d.Files[0].Url : $"{mirror.TrimEnd('/')}/{d.Files[0].Name} (mirror)"));
            }

            cli.Console.Write(table);
            cli.Console.MarkupLine("Import one with [bold]vf dataset import <name> --public <id>[/]; its own train / test split is kept.");
            return 0;
        }));

        return new Command("public", "Public datasets with stable official addresses and known digests") { list };
    }
}
