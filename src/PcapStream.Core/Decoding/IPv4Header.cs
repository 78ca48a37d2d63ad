using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// IPv4 (RFC 791): 20 bytes plus options (IHL words). Header length below 20 or total length below the header
    /// length is malformed-ipv4, keeping only the version as tshark does. A total length of 0 is taken as TSO (the
    /// NIC fills it in after capture) and replaced by the captured bytes, as Wireshark does. Fragments with a
    /// non-zero offset carry no transport header: the walk stops after the IP header.
    /// </summary>
    private static LayerKind IPv4(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        bool inner = p.IpOffset >= 0;
        if (inner && !EnterTunnel(ref s, ref p))
        {
            return LayerKind.Done;
        }
        if (f.Length - o < 20)
        {
            if (!inner && o < f.Length && (f[o] >> 4) == 4)
            {
                p.IpVersion = p.OuterIpVersion = 4;
            }
            return Stop(ref p, Anomaly.Truncated);
        }
        ReadOnlySpan<byte> h = f.Slice(o, 20);
        if ((h[0] >> 4) != 4)
        {
            return Stop(ref p, Anomaly.MalformedIPv4);
        }
        int headerLength = (h[0] & 0x0F) << 2;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(h.Slice(2, 2));
        if (totalLength == 0)
        {
            totalLength = f.Length - o;
        }
        if (headerLength < 20 || totalLength < headerLength)
        {
            if (!inner)
            {
                p.IpVersion = p.OuterIpVersion = 4;
            }
            return Stop(ref p, Anomaly.MalformedIPv4);
        }
        if (inner)
        {
            ClearInnerFields(ref p);
        }
        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(h.Slice(6, 2));
        p.IpVersion = 4;
        p.IpOffset = o;
        p.IpLength = totalLength;
        p.IpId = BinaryPrimitives.ReadUInt16BigEndian(h.Slice(4, 2));
        p.DontFragment = (fragment & 0x4000) != 0;
        p.MoreFragments = (fragment & 0x2000) != 0;
        p.FragmentOffset = (fragment & 0x1FFF) << 3;
        p.IsFragment = p.MoreFragments || p.FragmentOffset != 0;
        p.Ttl = h[8];
        byte protocol = h[9];
        p.IpProto = protocol;
        p.Src = IpAddress16.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(h.Slice(12, 4)));
        p.Dst = IpAddress16.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(h.Slice(16, 4)));
        if (!inner)
        {
            p.OuterIpVersion = 4;
            p.OuterSrc = p.Src;
            p.OuterDst = p.Dst;
        }
        s.IpEnd = o + totalLength;
        s.Offset = o + headerLength;
        if (f.Length - o < headerLength)
        {
            return Stop(ref p, Anomaly.Truncated); // options cut by the snap length
        }
        if (p.FragmentOffset != 0)
        {
            return LayerKind.Done;
        }
        return IpProtocol(protocol, ref s, ref p);
    }

    /// <summary>The layer an IP protocol number names (after IPv4, AH, or the end of an IPv6 extension chain).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static LayerKind IpProtocol(byte protocol, ref DecodeState s, ref DecodedPacket p)
    {
        p.IpProto = protocol;
        p.TransportOffset = s.Offset;
        switch (protocol)
        {
            case 6: return LayerKind.Tcp;
            case 17: return LayerKind.Udp;
            case 136: return LayerKind.Udp; // UDP-Lite: same header layout (length is a checksum coverage)
            case 1: return LayerKind.Icmp;
            case 58: return LayerKind.Icmpv6;
            case 132: return LayerKind.Sctp;
            case 4: return LayerKind.IPv4;
            case 41: return LayerKind.IPv6;
            case 47: return LayerKind.Gre;
            case 51: return LayerKind.AuthenticationHeader;
            case 50: return Stop(ref p, Anomaly.Encrypted);
            default: return LayerKind.Done; // IGMP, OSPF, PIM, VRRP, ...: no ports, nothing below to decode
        }
    }

    /// <summary>
    /// An IP header inside another IP packet: counts the nesting (too-many-layers beyond <see cref="MaxTunnels"/>)
    /// and names the tunnel IP-in-IP when no tunnel layer (GRE, VXLAN, Teredo...) named it before.
    /// </summary>
    private static bool EnterTunnel(ref DecodeState s, ref DecodedPacket p)
    {
        if (++s.Tunnels > MaxTunnels)
        {
            Stop(ref p, Anomaly.TooManyLayers);
            return false;
        }
        if (p.Tunnel == TunnelKind.None)
        {
            p.Tunnel = TunnelKind.IpIp;
        }
        return true;
    }

    /// <summary>Forgets the outer packet's fragment and transport fields once an inner IP header has been read.</summary>
    private static void ClearInnerFields(ref DecodedPacket p)
    {
        p.DontFragment = false;
        p.MoreFragments = false;
        p.FragmentOffset = 0;
        p.IsFragment = false;
        p.IpId = 0;
        p.HasPorts = false;
        p.SrcPort = 0;
        p.DstPort = 0;
        p.HasTcp = false;
        p.TcpSeq = 0;
        p.TcpAck = 0;
        p.TcpFlags = 0;
        p.TcpWindow = 0;
        p.HasUdp = false;
        p.UdpLength = 0;
        p.UdpChecksum = 0;
        p.HasIcmp = false;
        p.IcmpType = 0;
        p.IcmpCode = 0;
        p.PayloadLength = 0;
        p.TransportOffset = -1;
    }
}
