namespace PcapStream.Flows;

/// <summary>
/// Zeek's <c>conn_state</c> as a pure function of what a flow saw. Inputs, relative to the originator:
/// S = originator sent a SYN (without ACK), H = responder sent a SYN-ACK, Fo/Fr = FIN from originator/responder,
/// Ro/Rr = RST from originator/responder, Dr = responder sent any packet.
/// <code>
///  state   rule (first match, TCP)                     Zeek's meaning
///  RSTOS0  Ro, S, not H                                originator sent SYN then RST, no SYN-ACK seen
///  RSTO    Ro                                          established (or mid-stream), originator aborted
///  REJ     Rr, S, not H                                attempt rejected
///  RSTRH   Rr, H, not S                                responder sent SYN-ACK then RST, no SYN seen
///  RSTR    Rr                                          established (or mid-stream), responder aborted
///  SF      S, H, Fo, Fr                                normal establishment and termination
///  S2      S, H, Fo                                    established, originator closed, no reply
///  S3      S, H, Fr                                    established, responder closed, no reply
///  S1      S, H                                        established, not terminated
///  SH      S, not H, Fo                                SYN then FIN, no SYN-ACK ("half open")
///  S0      S, not H, not Dr                            attempt, no reply
///  SHR     H, not S, Fr                                SYN-ACK then FIN, no SYN seen
///  OTH     anything else                               no SYN seen (mid-stream), or a reply without SYN-ACK
///  non-TCP: SF when both sides sent, else S0 (as Zeek reports UDP/ICMP).
/// </code>
/// When both sides reset, the originator's RST decides (it is checked first).
/// </summary>
public static class ConnState
{
    /// <summary>The state names in ordinal order; <see cref="Code(bool, bool, bool, bool, bool, bool, bool, bool, bool)"/> indexes them.</summary>
    internal static readonly string[] Names =
        ["OTH", "REJ", "RSTO", "RSTOS0", "RSTR", "RSTRH", "S0", "S1", "S2", "S3", "SF", "SH", "SHR"];

    private const int Oth = 0, Rej = 1, Rsto = 2, Rstos0 = 3, Rstr = 4, Rstrh = 5, S0 = 6, S1 = 7, S2 = 8, S3 = 9, Sf = 10, Sh = 11, Shr = 12;

    /// <summary>Computes the state from originator-relative evidence.</summary>
    public static string Of(bool isTcp, bool s, bool h, bool fo, bool fr, bool ro, bool rr, bool originatorSent, bool responderSent) =>
        Names[Code(isTcp, s, h, fo, fr, ro, rr, originatorSent, responderSent)];

    /// <summary>The state as an index into <see cref="Names"/> (counting flows by state needs no string lookup).</summary>
    internal static int Code(bool isTcp, bool s, bool h, bool fo, bool fr, bool ro, bool rr, bool originatorSent, bool responderSent)
    {
        if (!isTcp)
        {
            return originatorSent && responderSent ? Sf : S0;
        }
        if (ro)
        {
            return s && !h ? Rstos0 : Rsto;
        }
        if (rr)
        {
            if (s && !h)
            {
                return Rej;
            }
            return h && !s ? Rstrh : Rstr;
        }
        if (s && h)
        {
            return fo ? (fr ? Sf : S2) : (fr ? S3 : S1);
        }
        if (s)
        {
            return fo ? Sh : (responderSent ? Oth : S0);
        }
        if (h && fr)
        {
            return Shr;
        }
        return Oth;
    }

    /// <summary>The state of a table entry (canonical history mapped to originator/responder).</summary>
    internal static string Of(in FlowEntry e) => Names[Code(e)];

    /// <summary>The state of a table entry as an index into <see cref="Names"/>.</summary>
    internal static int Code(in FlowEntry e)
    {
        int o = e.OrigDir;
        byte hist = e.History;
        // Bits for direction d are (bit << d): A-bits are the low bit of each pair.
        bool Has(byte aBit, int dir) => (hist & (aBit << dir)) != 0;
        long origPkts = o == 0 ? e.PktA : e.PktB;
        long respPkts = o == 0 ? e.PktB : e.PktA;
        return Code(e.Key.Proto == 6,
            s: Has(HistoryBits.SynA, o), h: Has(HistoryBits.SynAckA, 1 - o),
            fo: Has(HistoryBits.FinA, o), fr: Has(HistoryBits.FinA, 1 - o),
            ro: Has(HistoryBits.RstA, o), rr: Has(HistoryBits.RstA, 1 - o),
            originatorSent: origPkts > 0, responderSent: respPkts > 0);
    }
}
