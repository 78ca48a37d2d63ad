using System.Buffers.Binary;

namespace PcapStream.Tests.Query;

/// <summary>One record found by walking a capture from its start (the test's own reading, independent of extract's).</summary>
internal sealed record WalkedRecord(long Offset, int RecordLength, long TimestampNanos, int CapturedLength, int Length, int LinkType, byte[] Data);

/// <summary>
/// A deliberately plain sequential walk over pcap and pcapng files: what the tests use to know where each record
/// is and what bytes it holds, without the code under test.
/// </summary>
internal static class CaptureWalk
{
    public static List<WalkedRecord> Read(string path)
    {
        byte[] f = File.ReadAllBytes(path);
        var list = new List<WalkedRecord>();
        if (BinaryPrimitives.ReadUInt32LittleEndian(f) == 0x0A0D0D0A)
        {
            ReadPcapNg(f, list);
            return list;
        }
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(f);
        bool big = magic is 0xd4c3b2a1 or 0x4d3cb2a1;
        bool nanos = magic is 0xa1b23c4d or 0x4d3cb2a1;
        uint U(int o) => big ? BinaryPrimitives.ReadUInt32BigEndian(f.AsSpan(o)) : BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(o));
        int linkType = (int)(U(20) & 0xFFFF);
        for (int o = 24; o + 16 <= f.Length;)
        {
            int caplen = (int)U(o + 8);
            long ts = U(o) * 1_000_000_000L + U(o + 4) * (nanos ? 1L : 1000L);
            list.Add(new WalkedRecord(o, 16 + caplen, ts, caplen, (int)U(o + 12), linkType, f.AsSpan(o + 16, caplen).ToArray()));
            o += 16 + caplen;
        }
        return list;
    }

    private static void ReadPcapNg(byte[] f, List<WalkedRecord> list)
    {
        bool big = false;
        var links = new List<(int Link, long Units)>();
        for (int o = 0; o + 12 <= f.Length;)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(o)) == 0x0A0D0D0A)
            {
                big = BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(o + 8)) == 0x4D3C2B1A;
                links.Clear();
            }
            uint U(int at) => big ? BinaryPrimitives.ReadUInt32BigEndian(f.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(at));
            ushort U16(int at) => big ? BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(at)) : BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(at));
            uint type = U(o);
            int len = (int)U(o + 4);
            if (type == 1)
            {
                long units = 1_000_000;
                for (int p = o + 16; p + 4 <= o + len - 4;)
                {
                    int code = U16(p), l = U16(p + 2);
                    if (code == 0)
                    {
                        break;
                    }
                    if (code == 9)
                    {
                        byte r = f[p + 4];
                        units = (r & 0x80) != 0 ? 1L << (r & 0x7f) : (long)Math.Pow(10, r);
                    }
                    p += 4 + ((l + 3) & ~3);
                }
                links.Add((U16(o + 8), units));
            }
            else if (type == 6)
            {
                var iface = links[(int)U(o + 8)];
                ulong raw = ((ulong)U(o + 12) << 32) | U(o + 16);
                int caplen = (int)U(o + 20);
                long ts = (long)((UInt128)raw * 1_000_000_000UL / (ulong)iface.Units);
                list.Add(new WalkedRecord(o, len, ts, caplen, (int)U(o + 24), iface.Link, f.AsSpan(o + 28, caplen).ToArray()));
            }
            o += len;
        }
    }
}
