using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Domain;
using VisionFactory.Domain.Audit;
using VisionFactory.Storage.Audit;

namespace VisionFactory.Cli.Commands;

/// <summary>
/// <c>vf admin ...</c>: the administrator's commands on the data directory and database: the audit log here, and
/// reclaiming space, backing up, restoring and checking the instance in <see cref="AdminStorageCommands"/>. Each
/// sub-command is made by a method of its own and added in <see cref="Create"/>.
/// </summary>
public static class AdminCommands
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var command = new Command("admin", "Administer the installation: the audit log; reclaim space, back up, restore and check an instance");
        command.Add(CreateAudit(globals, interactive));
        AdminStorageCommands.AddTo(command, globals, interactive);
        return command;
    }

    public static object Describe(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new { id = entry.Id, at = entry.At, action = entry.Action, actor = entry.Actor, target = entry.Target, detail = entry.Detail, address = entry.Address };
    }

    private static Command CreateAudit(GlobalOptions globals, bool interactive)
    {
        var limit = new Option<int>("--limit") { Description = $"At most this many events, newest first (1 to {AuditLog.MaxLimit})", DefaultValueFactory = _ => 50 };
        var command = new Command("audit", "Show the audit log: sign-ins (and failed ones), user, role and key changes, dataset deletions, pipeline starts") { limit };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var take = parse.GetValue(limit);
            if (take is < 1 or > AuditLog.MaxLimit)
            {
                throw ProblemException.Invalid($"--limit must be 1 to {AuditLog.MaxLimit}, not {take}");
            }

            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            var entries = await services.GetRequiredService<AuditLog>().LatestAsync(take, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(new { events = entries.Select(Describe).ToList() });
                return 0;
            }

            if (entries.Count == 0)
            {
                cli.Console.MarkupLine("The audit log is empty: events are recorded by the server (vf serve) as people sign in and make changes");
                return 0;
            }

            var table = new Table().AddColumn("when (UTC)").AddColumn("event").AddColumn("by").AddColumn("on").AddColumn("detail").AddColumn("address");
            foreach (var entry in entries)
            {
                table.AddRow(
                    entry.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), entry.Action, Markup.Escape(entry.Actor ?? "-"),
                    Markup.Escape(entry.Target ?? "-"), Markup.Escape(entry.Detail ?? ""), Markup.Escape(entry.Address ?? ""));
            }

            cli.Console.Write(table);
            return 0;
        }));
        return command;
    }
}
