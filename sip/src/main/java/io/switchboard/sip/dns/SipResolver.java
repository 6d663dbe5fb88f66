package io.switchboard.sip.dns;

import io.switchboard.sip.dns.DnsRecords.Answer;
import io.switchboard.sip.dns.DnsRecords.Srv;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locating SIP servers (RFC 3263 section 4): from a SIP URI to the ordered list of addresses,
 * ports and transports to try, first to last.
 *
 * <ul>
 *   <li>A numeric host: that address, the URI's port or the transport's default (section 4.2).</li>
 *   <li>A host name with a port: A/AAAA of the name with that port (section 4.2).</li>
 *   <li>A host name with a {@code transport} parameter and no port: SRV for that transport
 *       (section 4.2), else A/AAAA with the default port.</li>
 *   <li>Otherwise NAPTR (section 4.1): the records this client supports, by order and
 *       preference, each followed to its SRV records; without usable NAPTR records, SRV for
 *       {@code _sips._tcp} (sips URIs), else {@code _sip._tcp} then {@code _sip._udp}, the first
 *       that has records; without those, A/AAAA with UDP (sip) or TLS (sips) on the default
 *       port.</li>
 * </ul>
 *
 * SRV records are ordered by {@link SrvOrder} (RFC 2782), each SRV target's addresses in the order
 * DNS gave them. Targets in the {@link Blacklist} are left out (section 4.3). A DNS query that
 * fails counts as no records, so resolution goes on to the next step; a URI nothing resolves
 * gives an empty list. Never blocks: the stages complete on the lookup's threads.
 */
public final class SipResolver {

    private static final Logger LOG = LoggerFactory.getLogger(SipResolver.class);

    private final DnsLookup dns;
    private final Blacklist blacklist;
    private final Set<String> supported;
    private final IntUnaryOperator draw;
    private final Clock clock;

    /**
     * @param supported the transports this client can send on ("udp", "tcp", "tls")
     * @param draw      the random draw for SRV weights (see {@link SrvOrder#order})
     */
    public SipResolver(DnsLookup dns, Blacklist blacklist, Set<String> supported, IntUnaryOperator draw, Clock clock) {
        this.dns = dns;
        this.blacklist = blacklist;
        this.supported = Set.copyOf(supported);
        this.draw = draw;
        this.clock = clock;
    }

    public Blacklist blacklist() {
        return blacklist;
    }

    /** The targets for {@code uri}, best first, without blacklisted ones (unless all are). */
    public CompletionStage<List<SipTarget>> resolve(String uri) {
        UriTarget t;
        try {
            t = UriTarget.parse(uri);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return all(t).thenApply(list -> {
            List<SipTarget> out = blacklist.filter(list, clock.instant());
            LOG.debug("{} resolved to {}", uri, out);
            return out;
        });
    }

    /** Every target for {@code t}, in order, blacklist not applied. */
    CompletionStage<List<SipTarget>> all(UriTarget t) {
        String explicit = t.transport().map(tr -> transportOf(tr, t.secure())).orElse(null);
        if (explicit != null && !supported.contains(explicit)) {
            return CompletableFuture.completedFuture(List.of());
        }
        String fallback = explicit != null ? explicit : t.secure() ? "tls" : "udp";
        if (t.numericHost()) {
            int port = t.port() > 0 ? t.port() : defaultPort(fallback);
            return CompletableFuture.completedFuture(List.of(new SipTarget(t.host(), t.host(), port, fallback)));
        }
        if (t.port() > 0) {
            return addresses(t.host(), t.port(), fallback);
        }
        if (explicit != null) {
            return srvThenA(List.of(explicit), t, fallback);
        }
        return safe(dns.naptr(t.host()), "NAPTR " + t.host()).thenCompose(naptr -> {
            List<NaptrSelection.Choice> choices = NaptrSelection.select(naptr.records(), t.secure(), supported);
            if (choices.isEmpty()) {
                List<String> order = new ArrayList<>();
                for (String tr : t.secure() ? List.of("tls") : List.of("tcp", "udp")) {
                    if (supported.contains(tr)) {
                        order.add(tr);
                    }
                }
                return srvThenA(order, t, fallback);
            }
            CompletionStage<List<SipTarget>> out = CompletableFuture.completedFuture(new ArrayList<>());
            for (NaptrSelection.Choice c : choices) {
                out = out.thenCombine(srvTargets(c.srvName(), c.transport()), (acc, more) -> {
                    acc.addAll(more);
                    return acc;
                });
            }
            return out;
        });
    }

    /** SRV for each transport in turn, the first with records wins; else A/AAAA on the default port. */
    private CompletionStage<List<SipTarget>> srvThenA(List<String> transports, UriTarget t, String fallback) {
        if (transports.isEmpty()) {
            return addresses(t.host(), defaultPort(fallback), fallback);
        }
        String tr = transports.get(0);
        String name = (tr.equals("tls") ? "_sips._tcp." : tr.equals("tcp") ? "_sip._tcp." : "_sip._udp.") + t.host();
        return safe(dns.srv(name), "SRV " + name).thenCompose(srv -> {
            if (srv.records().isEmpty()) {
                return srvThenA(transports.subList(1, transports.size()), t, fallback);
            }
            return targetsOf(srv.records(), tr);
        });
    }

    private CompletionStage<List<SipTarget>> srvTargets(String name, String transport) {
        return safe(dns.srv(name), "SRV " + name).thenCompose(srv -> targetsOf(srv.records(), transport));
    }

    private CompletionStage<List<SipTarget>> targetsOf(List<Srv> records, String transport) {
        CompletionStage<List<SipTarget>> out = CompletableFuture.completedFuture(new ArrayList<>());
        for (Srv s : SrvOrder.order(records, draw)) {
            out = out.thenCombine(addresses(s.target(), s.port(), transport), (acc, more) -> {
                acc.addAll(more);
                return acc;
            });
        }
        return out;
    }

    private CompletionStage<List<SipTarget>> addresses(String host, int port, String transport) {
        if (UriTarget.isNumeric(host)) {
            return CompletableFuture.completedFuture(List.of(new SipTarget(host, host, port, transport)));
        }
        return safe(dns.addresses(host), "A/AAAA " + host).thenApply(a -> {
            List<SipTarget> out = new ArrayList<>(a.records().size());
            for (String address : a.records()) {
                out.add(new SipTarget(host, address, port, transport));
            }
            return out;
        });
    }

    private static <T> CompletionStage<Answer<T>> safe(CompletionStage<Answer<T>> stage, String what) {
        return stage.handle((answer, failure) -> {
            if (failure != null) {
                LOG.info("DNS query {} failed: {}", what, failure.toString());
                return new Answer<T>(List.of(), Duration.ZERO);
            }
            return answer;
        });
    }

    /** The transport a {@code transport} parameter means; with sips, TCP means TLS (RFC 3261 section 26.2.2). */
    static String transportOf(String param, boolean secure) {
        String p = param.toLowerCase(java.util.Locale.ROOT);
        if (secure && (p.equals("tcp") || p.equals("tls"))) {
            return "tls";
        }
        return p;
    }

    static int defaultPort(String transport) {
        return transport.equals("tls") ? 5061 : 5060; // RFC 3261 section 19.1.2
    }
}
