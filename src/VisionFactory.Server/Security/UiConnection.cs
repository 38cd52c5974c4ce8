using Microsoft.AspNetCore.Components.Server.Circuits;

namespace VisionFactory.Server.Security;

/// <summary>
/// The browser behind one web UI connection (a Blazor circuit): its network address, which the audit log records for
/// what the user does in the UI. Once a circuit runs there is no request to ask, so the address is taken from the
/// circuit's own connection (its SignalR request, which <see cref="IHttpContextAccessor"/> holds while the circuit
/// opens, reconnects or handles a browser event) and kept for the circuit's lifetime.
/// </summary>
public sealed class UiConnection
{
    /// <summary>The browser's address, or null before the circuit's connection was seen.</summary>
    public string? Address { get; private set; }

    /// <summary>Fills the circuit's <see cref="UiConnection"/> from its connection's request.</summary>
    internal sealed class Tracker(UiConnection connection, IHttpContextAccessor requests) : CircuitHandler
    {
        public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            Capture();
            return Task.CompletedTask;
        }

        public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            Capture();
            return Task.CompletedTask;
        }

        public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
            context =>
            {
                if (connection.Address is null)
                {
                    Capture();
                }

                return next(context);
            };

        private void Capture()
        {
            if (requests.HttpContext is { } context && Caller.AddressOf(context) is { } address)
            {
                connection.Address = address;
            }
        }
    }
}
