using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CurveFs.Tests.ObjectStore;

/// <summary>
/// A loopback TCP proxy in front of a real S3 endpoint that answers the first <c>failures</c> connections
/// itself with an S3 error (500 InternalError by default) and "Connection: close", then pipes every later
/// connection to the endpoint unchanged. For requests without a body (GET, HEAD, DELETE).
/// </summary>
internal sealed class FlakyHttpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _failuresLeft;
    private int _connections;

    public FlakyHttpProxy(string targetEndpoint, int failures)
    {
        _target = new Uri(targetEndpoint);
        _failuresLeft = failures;
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections accepted so far; the S3 client opens a new one after each failure.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped
        }
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            bool fail = Interlocked.Decrement(ref _failuresLeft) >= 0;
            _ = Task.Run(() => fail ? FailAsync(client) : PipeAsync(client));
        }
    }

    private async Task FailAsync(TcpClient client)
    {
        using (client)
        {
            NetworkStream stream = client.GetStream();
            await ReadHeadersAsync(stream);
            const string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code>"
                + "<Message>injected by FlakyHttpProxy</Message></Error>";
            string response = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n"
                + $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
            await stream.FlushAsync();
            client.Client.Shutdown(SocketShutdown.Send);
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_target.Host, _target.Port, _stop.Token);
                NetworkStream down = client.GetStream(), up = upstream.GetStream();
                Task toServer = CopyThenShutdownAsync(down, upstream.Client);
                Task toClient = CopyThenShutdownAsync(up, client.Client);
                await Task.WhenAll(toServer, toClient);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // a side hung up
            }
        }

        async Task CopyThenShutdownAsync(Stream from, Socket to)
        {
            await from.CopyToAsync(new NetworkStream(to, ownsSocket: false), _stop.Token);
            to.Shutdown(SocketShutdown.Send);
        }
    }

    private static async Task ReadHeadersAsync(NetworkStream stream)
    {
        byte[] buffer = new byte[8192];
        var seen = new StringBuilder();
        while (!seen.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int n = await stream.ReadAsync(buffer);
            if (n == 0) return;
            seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
    }
}
