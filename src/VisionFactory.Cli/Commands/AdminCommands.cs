using System.CommandLine;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf admin ...</c>: the administrator's operations on an instance's data directory and database.</summary>
public static class AdminCommands
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var command = new Command("admin", "An administrator's operations: reclaim space, back up, restore and check an instance");
        AdminStorageCommands.AddTo(command, globals, interactive);
        return command;
    }
}
