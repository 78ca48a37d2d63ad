using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;

namespace PcapStream.Tests.Capture;

/// <summary>Real traffic on loopback for the live capture tests: HTTP, DNS-shaped UDP, pings, a refused connection, a long-lived connection.</summary>
internal sealed class LiveTraffic : IDisposable
{
    private readonly TcpListener _http = new(IPAddress.Loopback, 0);
    private readonly UdpClient _dns = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly TcpListener _long = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public LiveTraffic()
    {
        _http.Start();
        _long.Start();
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        RefusedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _ = ServeHttp();
        _ = ServeDns();
    }

    public int HttpPort => ((IPEndPoint)_http.LocalEndpoint).Port;
    public int DnsPort => ((IPEndPoint)_dns.Client.LocalEndPoint!).Port;
    public int LongPort => ((IPEndPoint)_long.LocalEndpoint).Port;
    public int RefusedPort { get; }

    public async Task HttpRequests(int n)
    {
        using var client = new HttpClient();
        for (int i = 0; i < n; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{HttpPort}/{i}");
            request.Headers.ConnectionClose = true;   // one TCP connection per request
            using HttpResponseMessage r = await client.SendAsync(request);
            Assert.Equal("hello", await r.Content.ReadAsStringAsync());
        }
    }

    public async Task DnsQueries(int n)
    {
        using var client = new UdpClient(AddressFamily.InterNetwork);
        for (int i = 0; i < n; i++)
        {
            byte[] query = [(byte)(i >> 8), (byte)i, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 0, 0, 1, 0, 1];
            await client.SendAsync(query, new IPEndPoint(IPAddress.Loopback, DnsPort));
            UdpReceiveResult answer = await client.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(query[0..2], answer.Buffer[0..2]);
        }
    }

    public static void Pings()
    {
        using var ping = new Ping();
        Assert.Equal(IPStatus.Success, ping.Send(IPAddress.Loopback, 2000).Status);
        Assert.Equal(IPStatus.Success, ping.Send(IPAddress.IPv6Loopback, 2000).Status);
    }

    public void RefusedConnection()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var e = Assert.Throws<SocketException>(() => s.Connect(IPAddress.Loopback, RefusedPort));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    /// <summary>One connection sending a byte every <paramref name="gap"/>, <paramref name="count"/> times, then closing.</summary>
    public async Task LongLivedConnection(int count, TimeSpan gap)
    {
        Task<TcpClient> accepted = _long.AcceptTcpClientAsync();
        // NoDelay: each byte is its own segment even when an ACK is late on a loaded machine (Nagle would merge them).
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, LongPort);
        using TcpClient server = await accepted;
        NetworkStream s = client.GetStream();
        for (int i = 0; i < count; i++)
        {
            await s.WriteAsync(new byte[] { (byte)'x' });
            await Task.Delay(gap);
        }
        client.Close();
        var buffer = new byte[count + 1];
        int got = 0, n;
        while ((n = await server.GetStream().ReadAsync(buffer.AsMemory(got))) > 0)
        {
            got += n;
        }
        Assert.Equal(count, got);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _http.Stop();
        _long.Stop();
        _dns.Dispose();
        _stop.Dispose();
    }

    private async Task ServeHttp()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient c;
            try
            {
                c = await _http.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            using (c)
            {
                NetworkStream s = c.GetStream();
                var buf = new byte[4096];
                int got = 0;
                while (!Encoding.ASCII.GetString(buf, 0, got).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    int n = await s.ReadAsync(buf.AsMemory(got));
                    if (n == 0)
                    {
                        break;
                    }
                    got += n;
                }
                await s.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"u8.ToArray());
            }
        }
    }

    private async Task ServeDns()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult q;
            try
            {
                q = await _dns.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            byte[] answer = q.Buffer.ToArray();
            answer[2] |= 0x80;   // QR: a response
            await _dns.SendAsync(answer, q.RemoteEndPoint);
        }
    }
}
