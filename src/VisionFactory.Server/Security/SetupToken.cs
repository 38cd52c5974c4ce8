using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace VisionFactory.Server.Security;

/// <summary>
/// The one-time first-run set-up token (<see cref="SecurityOptions.RequireSetupToken"/>): made at random when the
/// host starts and written to the server's log while the installation has no administrator.
/// </summary>
public sealed partial class SetupToken
{
    public string Value { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate.Trim()), Encoding.UTF8.GetBytes(Value));

    /// <summary>Writes the token to the log at start, when set-up is still to be done and needs it.</summary>
    internal sealed partial class Announcer(IServiceProvider services, SetupToken token, IOptions<SecurityOptions> options, ILogger<SetupToken> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (!options.Value.RequireSetupToken)
            {
                return;
            }

            await using var scope = services.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<AccountService>().NeedsSetupAsync(cancellationToken).ConfigureAwait(false))
            {
                LogToken(logger, token.Value);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning, Message = "First-run set-up needs this one-time token: {Token} (open /account/setup?token={Token}, or send it as setup_token to POST /api/setup)")]
        private static partial void LogToken(ILogger logger, string token);
    }
}
