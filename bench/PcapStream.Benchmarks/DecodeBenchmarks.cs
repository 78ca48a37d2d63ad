using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using PcapStream.Decoding;

namespace PcapStream.Benchmarks;

/// <summary>
/// <see cref="PacketDecoder.Decode"/> on realistic frames, one decode per operation (the frame mix rotates so the
/// branch predictor cannot learn one path): <c>dotnet run -c Release --project bench/PcapStream.Benchmarks --
/// --filter '*DecodeBenchmarks*'</c>. Target: 0 B allocated, tens of nanoseconds per frame.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private const int Frames = 1024;
    private byte[][] _ethIpv4Tcp = [];
    private byte[][] _mix = [];
    private DecodedPacket _packet;

    [GlobalSetup]
    public void Setup()
    {
        byte[] tcp = Ethernet(0x0800, IPv4(6, TcpHeader(52000, 443, 1200)));
        byte[] vlanUdp = Ethernet(0x8100, [.. U16(100), .. U16(0x0800), .. IPv4(17, UdpHeader(40000, 53, 60))]);
        byte[] ipv6Udp = Ethernet(0x86DD, IPv6(17, UdpHeader(40000, 443, 1200)));
        byte[] vxlan = Ethernet(0x0800, IPv4(17, [.. UdpHeader(50000, 4789, 0), 0x08, 0, 0, 0, 0, 0, 1, 0, .. Ethernet(0x0800, IPv4(6, TcpHeader(1, 2, 100)))]));
        _ethIpv4Tcp = new byte[Frames][];
        _mix = new byte[Frames][];
        byte[][] kinds = [tcp, tcp, tcp, vlanUdp, ipv6Udp, tcp, vxlan, tcp];
        for (int i = 0; i < Frames; i++)
        {
            _ethIpv4Tcp[i] = tcp;
            _mix[i] = kinds[i % kinds.Length];
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames)]
    public int EthernetIPv4Tcp() => Run(_ethIpv4Tcp);

    [Benchmark(OperationsPerInvoke = Frames)]
    public int Mix_Tcp_Vlan_IPv6_Vxlan() => Run(_mix);

    private int Run(byte[][] frames)
    {
        int sum = 0;
        foreach (byte[] frame in frames)
        {
            PacketDecoder.Decode(frame, 1, frame.Length, ref _packet);
            sum += _packet.DstPort;
        }
        return sum;
    }

    private static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

    private static byte[] Ethernet(int type, byte[] payload) => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, .. U16(type), .. payload];

    private static byte[] IPv4(byte protocol, byte[] payload)
    {
        byte[] h = [0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, protocol, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)(20 + payload.Length));
        return [.. h, .. payload];
    }

    private static byte[] IPv6(byte next, byte[] payload)
    {
        byte[] h = new byte[40];
        h[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), (ushort)payload.Length);
        h[6] = next;
        h[7] = 64;
        h[8] = 0x20;
        h[24] = 0x20;
        return [.. h, .. payload];
    }

    private static byte[] TcpHeader(int src, int dst, int payload) =>
        [.. U16(src), .. U16(dst), 0, 0, 0, 1, 0, 0, 0, 2, 0x50, 0x18, 0xFF, 0xFF, 0, 0, 0, 0, .. new byte[payload]];

    private static byte[] UdpHeader(int src, int dst, int payload) => [.. U16(src), .. U16(dst), .. U16(8 + payload), 0, 0, .. new byte[payload]];
}
