package io.switchboard.sip.dns;

import io.switchboard.sip.dns.DnsRecords.Naptr;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which NAPTR records of a domain a SIP client follows (RFC 3263 section 4.1): those with flag
 * "s" whose service is one it supports (SIP+D2U for UDP, SIP+D2T for TCP, SIPS+D2T for TLS; for a
 * sips URI only SIPS+D2T), by order, then preference (RFC 3403 section 4.1). Pure.
 */
public final class NaptrSelection {

    private NaptrSelection() {}

    /** A followed NAPTR: the transport it stands for and the SRV name to look up. */
    public record Choice(String transport, String srvName) {}

    public static List<Choice> select(List<Naptr> records, boolean secure, Set<String> supported) {
        List<Naptr> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparingInt(Naptr::order).thenComparingInt(Naptr::preference));
        List<Choice> out = new ArrayList<>();
        for (Naptr n : sorted) {
            if (!n.flags().equalsIgnoreCase("s")
                    || n.replacement().isEmpty()
                    || n.replacement().equals(".")) {
                continue;
            }
            String transport = transportOf(n.service());
            if (transport == null || !supported.contains(transport) || (secure && !transport.equals("tls"))) {
                continue;
            }
            out.add(new Choice(transport, n.replacement()));
        }
        return out;
    }

    /** RFC 3263 section 4.1 services; null for anything else (other protocols, D2S SCTP). */
    static String transportOf(String service) {
        return switch (service.toUpperCase(Locale.ROOT)) {
            case "SIP+D2U" -> "udp";
            case "SIP+D2T" -> "tcp";
            case "SIPS+D2T" -> "tls";
            default -> null;
        };
    }
}
