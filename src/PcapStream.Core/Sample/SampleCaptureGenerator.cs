using System.Globalization;
using PcapStream.Decoding;
using PcapStream.Readers;

namespace PcapStream.Sample;

/// <summary>What <see cref="SampleCaptureGenerator"/> makes. Same options, same bytes.</summary>
public sealed record SampleOptions
{
    /// <summary>Number of capture streams (sensor folders: sensor-1, sensor-2, ...).</summary>
    public int Sensors { get; init; } = 2;
    /// <summary>Minutes of traffic per sensor.</summary>
    public int Minutes { get; init; } = 6;
    /// <summary>Flows in total across all sensors (plus one long-lived connection per sensor).</summary>
    public int Flows { get; init; } = 3000;
    /// <summary>Seed of the pseudo-random choices.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Seconds of traffic per rotated file (tcpdump -G).</summary>
    public int RotateSeconds { get; init; } = 60;
    /// <summary>Time of the first packet. Defaults to just before midnight UTC so a date folder changes mid-run.</summary>
    public DateTime Start { get; init; } = new(2026, 11, 26, 23, 57, 0, DateTimeKind.Utc);
}

/// <summary>One file written by the generator.</summary>
/// <param name="Path">Absolute path of the file.</param>
/// <param name="RelativePath">Path under the output root (sensor/YYYY/MM/DD/name).</param>
/// <param name="Sensor">The capture stream.</param>
/// <param name="Packets">Packets in the file.</param>
public sealed record SampleFile(string Path, string RelativePath, string Sensor, long Packets);

/// <summary>
/// Writes deterministic, realistic rotated captures as tcpdump -G would: DIR/&lt;sensor&gt;/YYYY/MM/DD/trace-YYYYMMDD-HHMMSS.pcap.
/// The traffic: TCP connections with handshake, data and FIN or RST close, rejected connections (SYN answered by
/// RST), DNS over UDP, ICMP echo, about 12 % IPv6 and 10 % VLAN-tagged flows, and one long-lived connection per
/// sensor that spans every file. Lets the demo and the tests make data without third-party captures.
/// </summary>
public static class SampleCaptureGenerator
{
    private const long NanosPerSecond = 1_000_000_000L;
    private static readonly string[] Names = ["example.com", "www.example.org", "api.example.net", "cdn.example.com", "mail.example.org"];

    /// <summary>Writes the captures under <paramref name="directory"/> and returns them in capture order per sensor.</summary>
    public static IReadOnlyList<SampleFile> Generate(string directory, SampleOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Sensors, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Minutes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RotateSeconds, 1);
        var files = new List<SampleFile>();
        for (int s = 1; s <= options.Sensors; s++)
        {
            string sensor = "sensor-" + s.ToString(CultureInfo.InvariantCulture);
            int flows = options.Flows / options.Sensors + (s <= options.Flows % options.Sensors ? 1 : 0);
            List<Frame> frames = BuildTraffic(options, s, flows);
            WriteRotated(directory, sensor, options, frames, files);
        }
        return files;
    }

    private readonly record struct Frame(long TimestampNanos, int Order, byte[] Bytes);

    private static List<Frame> BuildTraffic(SampleOptions options, int sensor, int flowCount)
    {
        var rng = new Random(options.Seed * 7919 + sensor);
        long start = (options.Start - DateTime.UnixEpoch).Ticks * 100;
        long span = options.Minutes * 60 * NanosPerSecond;
        var frames = new List<Frame>(flowCount * 10);
        void Add(long t, byte[] bytes) => frames.Add(new Frame(t, frames.Count, bytes));

        LongLived(rng, sensor, start, span, Add);
        for (int f = 0; f < flowCount; f++)
        {
            // Leave 20 s at the end so most short flows finish inside the capture.
            long t0 = start + (long)(rng.NextDouble() * Math.Max(1, span - 20 * NanosPerSecond));
            bool v6 = rng.Next(100) < 12;
            int vlan = rng.Next(100) < 10 ? 100 + rng.Next(3) * 100 : -1;
            var e = new SampleFrames.Endpoints(Client(rng, sensor, v6), Server(rng, v6),
                (ushort)(32768 + rng.Next(28000)), 0, vlan, v6);
            int kind = rng.Next(100);
            if (kind < 50)
            {
                TcpSession(rng, e with { DstPort = rng.Next(3) == 0 ? (ushort)80 : (ushort)443 }, t0, rst: rng.Next(10) == 0, Add);
            }
            else if (kind < 60)
            {
                Rejected(rng, e with { DstPort = (ushort)(rng.Next(2) == 0 ? 22 : 8080) }, t0, Add);
            }
            else if (kind < 88)
            {
                DnsExchange(rng, e with { DstPort = 53 }, t0, Add);
            }
            else
            {
                Ping(rng, e, t0, Add);
            }
        }
        frames.Sort(static (a, b) => a.TimestampNanos != b.TimestampNanos ? a.TimestampNanos.CompareTo(b.TimestampNanos) : a.Order.CompareTo(b.Order));
        return frames;
    }

    private static IpAddress16 Client(Random rng, int sensor, bool v6) => v6
        ? new IpAddress16(0x2001_0db8_0000_0000UL | (uint)sensor << 16, (ulong)rng.Next(1, 4000))
        : IpAddress16.FromIPv4(0x0a00_0000u | (uint)sensor << 16 | (uint)rng.Next(1, 60) << 8 | (uint)rng.Next(1, 255));

    private static IpAddress16 Server(Random rng, bool v6) => v6
        ? new IpAddress16(0x2001_0db8_ffff_0000UL, (ulong)rng.Next(1, 40))
        : IpAddress16.FromIPv4((rng.Next(3) switch { 0 => 0xc000_0200u, 1 => 0xc633_6400u, _ => 0xcb00_7100u }) | (uint)rng.Next(1, 40));

    private static long Rtt(Random rng) => (1 + rng.Next(60)) * 1_000_000L + rng.Next(1000) * 1000L;

    private static void TcpSession(Random rng, SampleFrames.Endpoints c2s, long t, bool rst, Action<long, byte[]> add)
    {
        var s2c = c2s.Reverse();
        long rtt = Rtt(rng);
        uint cs = (uint)rng.Next(), ss = (uint)rng.Next();
        ushort cid = (ushort)rng.Next(), sid = (ushort)rng.Next();
        add(t, SampleFrames.Tcp(c2s, cs, 0, 0x002, 0, cid++, 64));
        add(t += rtt / 2, SampleFrames.Tcp(s2c, ss, cs + 1, 0x012, 0, sid++, 57));
        add(t += rtt / 2, SampleFrames.Tcp(c2s, ++cs, ++ss, 0x010, 0, cid++, 64));
        int exchanges = 1 + rng.Next(4);
        for (int i = 0; i < exchanges; i++)
        {
            int req = 80 + rng.Next(500);
            add(t += 200_000, SampleFrames.Tcp(c2s, cs, ss, 0x018, req, cid++, 64));
            cs += (uint)req;
            int segments = 1 + rng.Next(6);
            t += rtt / 2;
            for (int k = 0; k < segments; k++)
            {
                int len = k == segments - 1 ? 100 + rng.Next(1300) : 1448;
                add(t += 30_000, SampleFrames.Tcp(s2c, ss, cs, k == segments - 1 ? (ushort)0x018 : (ushort)0x010, len, sid++, 57));
                ss += (uint)len;
            }
            add(t += rtt / 2, SampleFrames.Tcp(c2s, cs, ss, 0x010, 0, cid++, 64));
            t += rng.Next(2000) * 1_000_000L;
        }
        if (rst)
        {
            add(t + 1_000_000, SampleFrames.Tcp(c2s, cs, ss, 0x014, 0, cid, 64));
            return;
        }
        add(t += 1_000_000, SampleFrames.Tcp(c2s, cs, ss, 0x011, 0, cid++, 64));
        add(t += rtt / 2, SampleFrames.Tcp(s2c, ss, cs + 1, 0x011, 0, sid, 57));
        add(t + rtt / 2, SampleFrames.Tcp(c2s, cs + 1, ss + 1, 0x010, 0, cid, 64));
    }

    private static void Rejected(Random rng, SampleFrames.Endpoints c2s, long t, Action<long, byte[]> add)
    {
        uint cs = (uint)rng.Next();
        add(t, SampleFrames.Tcp(c2s, cs, 0, 0x002, 0, (ushort)rng.Next(), 64));
        add(t + Rtt(rng), SampleFrames.Tcp(c2s.Reverse(), 0, cs + 1, 0x014, 0, 0, 57));
    }

    private static void DnsExchange(Random rng, SampleFrames.Endpoints c2s, long t, Action<long, byte[]> add)
    {
        ushort id = (ushort)rng.Next();
        string name = Names[rng.Next(Names.Length)];
        add(t, SampleFrames.Udp(c2s, SampleFrames.Dns(id, name, false, 0), (ushort)rng.Next(), 64));
        add(t + Rtt(rng), SampleFrames.Udp(c2s.Reverse(), SampleFrames.Dns(id, name, true, 0x5db8d822u), (ushort)rng.Next(), 57));
    }

    private static void Ping(Random rng, SampleFrames.Endpoints e, long t, Action<long, byte[]> add)
    {
        ushort id = (ushort)rng.Next();
        int count = 1 + rng.Next(4);
        for (ushort seq = 1; seq <= count; seq++)
        {
            add(t, SampleFrames.IcmpEcho(e, true, id, seq, 56, (ushort)rng.Next(), 64));
            add(t + Rtt(rng), SampleFrames.IcmpEcho(e.Reverse(), false, id, seq, 56, (ushort)rng.Next(), 57));
            t += NanosPerSecond;
        }
    }

    // One SSH-like connection per sensor open from the first second to the last: it crosses every rotated file
    // (and the date folder change), which is what flow stitching across files and batches must get right.
    private static void LongLived(Random rng, int sensor, long start, long span, Action<long, byte[]> add)
    {
        var c2s = new SampleFrames.Endpoints(IpAddress16.FromIPv4(0x0a00_0002u | (uint)sensor << 16),
            IpAddress16.FromIPv4(0xc000_0216u), 50022, 22, -1, false);
        var s2c = c2s.Reverse();
        uint cs = 1000, ss = 9000;
        long t = start + 100_000;
        add(t, SampleFrames.Tcp(c2s, cs, 0, 0x002, 0, 1, 64));
        add(t += 2_000_000, SampleFrames.Tcp(s2c, ss, cs + 1, 0x012, 0, 1, 57));
        add(t += 2_000_000, SampleFrames.Tcp(c2s, ++cs, ++ss, 0x010, 0, 2, 64));
        ushort id = 3;
        while (t < start + span - 5 * NanosPerSecond)
        {
            t += 4 * NanosPerSecond + rng.Next(1000) * 1_000_000L;
            int len = 36 + rng.Next(200);
            add(t, SampleFrames.Tcp(c2s, cs, ss, 0x018, len, id, 64));
            cs += (uint)len;
            add(t + 3_000_000, SampleFrames.Tcp(s2c, ss, cs, 0x018, len, id++, 57));
            ss += (uint)len;
        }
    }

    private static void WriteRotated(string root, string sensor, SampleOptions options, List<Frame> frames, List<SampleFile> files)
    {
        long start = (options.Start - DateTime.UnixEpoch).Ticks * 100;
        long rotate = options.RotateSeconds * NanosPerSecond;
        int i = 0;
        while (i < frames.Count)
        {
            long window = start + (frames[i].TimestampNanos - start) / rotate * rotate;
            DateTime name = DateTime.UnixEpoch.AddTicks(window / 100);
            string relative = Path.Combine(sensor, name.ToString("yyyy", CultureInfo.InvariantCulture),
                name.ToString("MM", CultureInfo.InvariantCulture), name.ToString("dd", CultureInfo.InvariantCulture),
                "trace-" + name.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + ".pcap");
            string path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            long count = 0;
            using (PcapWriter writer = PcapWriter.Create(path, linkType: 1))
            {
                for (; i < frames.Count && frames[i].TimestampNanos < window + rotate; i++, count++)
                {
                    writer.Write(frames[i].TimestampNanos, frames[i].Bytes);
                }
            }
            files.Add(new SampleFile(Path.GetFullPath(path), relative, sensor, count));
        }
    }
}
