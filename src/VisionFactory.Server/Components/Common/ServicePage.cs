using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using VisionFactory.Domain;
using VisionFactory.Server.Security;

namespace VisionFactory.Server.Components.Common;

/// <summary>
/// A page that uses the platform's services. A Blazor circuit lives as long as the browser tab, so every operation
/// gets a scope (and a database context) of its own instead of keeping one for the page's lifetime. The scope's
/// <see cref="Domain.Users.Caller"/> is the page's signed-in user, so the services refuse what the user's role does not allow,
/// whatever the page shows. Work a page starts takes <see cref="Closing"/>, so it stops when the page goes away (the user
/// navigates elsewhere, the tab closes, the circuit ends) instead of running on for nobody.
/// </summary>
public abstract class ServicePage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource closing = new();
    [Inject]
    private IServiceScopeFactory Scopes { get; set; } = default!;

    [Inject]
    private AuthenticationStateProvider Authentication { get; set; } = default!;

    [Inject]
    private UiConnection Connection { get; set; } = default!;

    protected ServicePage() => Closing = closing.Token;

    /// <summary>
    /// Cancelled when the page is disposed. Blazor disposes a component through <c>IAsyncDisposable</c> when it has it and
    /// then not through <see cref="IDisposable"/>: a page that implements <c>DisposeAsync</c> calls <see cref="Dispose()"/> from it.
    /// </summary>
    protected CancellationToken Closing { get; }

    /// <summary>The browser's network address, for the audit log (null before the UI connection was seen).</summary>
    protected string? ClientAddress => Connection.Address;

    /// <summary>The message of the last operation that failed in a way a person can act on; shown inline.</summary>
    protected string? Problem { get; set; }

    /// <summary>The page's signed-in user as a <see cref="Domain.Users.Caller"/>, for the services that outlive a scope (background jobs).</summary>
    protected async Task<Domain.Users.Caller> CallerAsync()
    {
        var caller = await CallerIdentity.OfAsync(Authentication.GetAuthenticationStateAsync()).ConfigureAwait(false);
        caller.ConnectedFrom(Connection.Address);
        return caller;
    }

    protected async Task<TResult> UseAsync<TService, TResult>(Func<TService, Task<TResult>> use)
        where TService : notnull
    {
        ArgumentNullException.ThrowIfNull(use);
        var user = (await Authentication.GetAuthenticationStateAsync().ConfigureAwait(false)).User;
        var scope = Scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var caller = scope.ServiceProvider.GetRequiredService<Domain.Users.Caller>();
            caller.ActAs(user);
            caller.ConnectedFrom(Connection.Address);
            return await use(scope.ServiceProvider.GetRequiredService<TService>()).ConfigureAwait(false);
        }
    }

    /// <summary>Runs an operation; a <see cref="ProblemException"/> becomes <see cref="Problem"/> instead of an error page.</summary>
    protected async Task<bool> TryAsync(Func<Task> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        Problem = null;
        try
        {
            await operation().ConfigureAwait(false);
            return true;
        }
        catch (ProblemException e)
        {
            Problem = char.ToUpperInvariant(e.Message[0]) + e.Message[1..];
            return false;
        }
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Cancels <see cref="Closing"/>; a page that owns more overrides this and calls it.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing && !closing.IsCancellationRequested)
        {
            closing.Cancel();
            closing.Dispose();
        }
    }
}
