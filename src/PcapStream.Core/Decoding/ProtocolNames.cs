namespace PcapStream.Decoding;

/// <summary>The <c>protocol</c> column: a name for well-known IP protocol numbers, else the number as text.</summary>
public static class ProtocolNames
{
    private static readonly string[] Names = Build();

    /// <summary>TCP, UDP, ICMP, ICMPv6, SCTP, GRE, ESP, AH, IGMP, ... or the decimal number.</summary>
    public static string Of(byte ipProto) => Names[ipProto];

    private static string[] Build()
    {
        var names = new string[256];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        names[1] = "ICMP";
        names[2] = "IGMP";
        names[4] = "IPIP";
        names[6] = "TCP";
        names[17] = "UDP";
        names[41] = "IPv6";
        names[47] = "GRE";
        names[50] = "ESP";
        names[51] = "AH";
        names[58] = "ICMPv6";
        names[89] = "OSPF";
        names[103] = "PIM";
        names[112] = "VRRP";
        names[132] = "SCTP";
        names[136] = "UDPLite";
        return names;
    }
}
