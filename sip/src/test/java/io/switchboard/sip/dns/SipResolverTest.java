package io.switchboard.sip.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.switchboard.sip.dns.DnsRecords.Answer;
import io.switchboard.sip.dns.DnsRecords.Naptr;
import io.switchboard.sip.dns.DnsRecords.Srv;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 3263 section 4 over a scripted DNS: which queries are made and which targets come out. */
class SipResolverTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** A DNS of maps; every query is recorded. */
    static final class FakeDns implements DnsLookup {
        final Map<String, List<Naptr>> naptr = new HashMap<>();
        final Map<String, List<Srv>> srv = new HashMap<>();
        final Map<String, List<String>> a = new HashMap<>();
        /** "TYPE name" of queries that fail. */
        final Set<String> failing = new HashSet<>();

        final List<String> queries = new ArrayList<>();

        private <T> CompletionStage<Answer<T>> answer(String type, String name, Map<String, List<T>> zone) {
            queries.add(type + " " + name);
            if (failing.contains(type + " " + name)) {
                return CompletableFuture.failedFuture(new java.io.IOException("timed out"));
            }
            return CompletableFuture.completedFuture(
                    new Answer<>(zone.getOrDefault(name, List.of()), Duration.ofSeconds(60)));
        }

        @Override
        public CompletionStage<Answer<Naptr>> naptr(String name) {
            return answer("NAPTR", name, naptr);
        }

        @Override
        public CompletionStage<Answer<Srv>> srv(String name) {
            return answer("SRV", name, srv);
        }

        @Override
        public CompletionStage<Answer<String>> addresses(String name) {
            return answer("A", name, a);
        }
    }

    /** trunk.test: SRV for UDP (two priorities) and TCP, NAPTR only on naptr.test. */
    private static FakeDns zone() {
        FakeDns dns = new FakeDns();
        dns.srv.put(
                "_sip._udp.trunk.test", List.of(new Srv(20, 0, 5090, "gw2.test."), new Srv(10, 0, 5080, "gw1.test.")));
        dns.srv.put("_sip._tcp.tcp.test", List.of(new Srv(10, 0, 5070, "gw1.test.")));
        dns.srv.put("_sip._udp.tcp.test", List.of(new Srv(10, 0, 5080, "gw2.test.")));
        dns.srv.put("_sips._tcp.trunk.test", List.of(new Srv(10, 0, 5061, "gw1.test.")));
        dns.naptr.put(
                "naptr.test",
                List.of(
                        new Naptr(20, 10, "s", "SIP+D2U", "_sip._udp.trunk.test."),
                        new Naptr(10, 10, "s", "SIP+D2T", "_sip._tcp.tcp.test.")));
        dns.a.put("gw1.test", List.of("192.0.2.1"));
        dns.a.put("gw2.test", List.of("192.0.2.2", "2001:db8::2"));
        dns.a.put("trunk.test", List.of("192.0.2.9"));
        dns.a.put("plain.test", List.of("192.0.2.7"));
        return dns;
    }

    private static SipResolver resolver(DnsLookup dns, Blacklist blacklist) {
        return new SipResolver(dns, blacklist, Set.of("udp", "tcp", "tls"), sum -> 0, Clock.fixed(T0, ZoneOffset.UTC));
    }

    private static String resolve(SipResolver r, String uri) {
        List<SipTarget> targets = r.resolve(uri).toCompletableFuture().join();
        return targets.stream()
                .map(t -> t.address() + ":" + t.port() + "/" + t.transport())
                .collect(Collectors.joining(" "));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                // numeric host: no DNS at all (section 4.1/4.2), default ports by transport
                "sip:192.0.2.50                          | 192.0.2.50:5060/udp",
                "sips:192.0.2.50                         | 192.0.2.50:5061/tls",
                "sip:192.0.2.50;transport=tcp            | 192.0.2.50:5060/tcp",
                "sip:[2001:db8::5]:5070;transport=tcp    | 2001:db8::5:5070/tcp",
                "sip:+4930123@192.0.2.50:5099;user=phone | 192.0.2.50:5099/udp",
                // a port: A/AAAA only, though SRV records exist (section 4.2)
                "sip:trunk.test:5099                     | 192.0.2.9:5099/udp",
                "sip:trunk.test:5099;transport=tcp       | 192.0.2.9:5099/tcp",
                // transport given, no port: SRV for that transport only
                "sip:trunk.test;transport=udp;lr         | 192.0.2.1:5080/udp 192.0.2.2:5090/udp 2001:db8::2:5090/udp",
                "sip:trunk.test;transport=tcp            | 192.0.2.9:5060/tcp",
                // no NAPTR: _sip._tcp first, else _sip._udp; priority order
                "sip:trunk.test                          | 192.0.2.1:5080/udp 192.0.2.2:5090/udp 2001:db8::2:5090/udp",
                "sip:tcp.test                            | 192.0.2.1:5070/tcp",
                "sips:trunk.test                         | 192.0.2.1:5061/tls",
                // NAPTR: by order, each followed to its SRV records
                "sip:naptr.test                          | 192.0.2.1:5070/tcp 192.0.2.1:5080/udp 192.0.2.2:5090/udp 2001:db8::2:5090/udp",
                // nothing but an A record: UDP (sip) or TLS (sips) on the default port
                "sip:plain.test                          | 192.0.2.7:5060/udp",
                "sips:plain.test                         | 192.0.2.7:5061/tls",
                "sip:nowhere.test                        | ''",
                // maddr is the TARGET (section 4)
                "sip:x.test;maddr=192.0.2.60             | 192.0.2.60:5060/udp",
            })
    void targetsFollowRfc3263(String uri, String expected) {
        assertThat(resolve(resolver(zone(), new Blacklist(Duration.ofSeconds(30))), uri.trim()))
                .isEqualTo(expected.trim());
    }

    @Test
    void noDnsQueryForANumericHostAndNoSrvWithAPort() {
        FakeDns dns = zone();
        SipResolver r = resolver(dns, new Blacklist(Duration.ofSeconds(30)));
        resolve(r, "sip:192.0.2.50;transport=tcp");
        assertThat(dns.queries).isEmpty();
        resolve(r, "sip:trunk.test:5099");
        assertThat(dns.queries).containsExactly("A trunk.test");
    }

    @Test
    void noNaptrMeansSrvForTcpThenUdpThenA() {
        FakeDns dns = zone();
        resolve(resolver(dns, new Blacklist(Duration.ofSeconds(30))), "sip:plain.test");
        assertThat(dns.queries)
                .containsExactly(
                        "NAPTR plain.test", "SRV _sip._tcp.plain.test", "SRV _sip._udp.plain.test", "A plain.test");
    }

    @Test
    void unsupportedTransportsAreNeitherAskedForNorReturned() {
        FakeDns dns = zone();
        SipResolver udpOnly = new SipResolver(
                dns, new Blacklist(Duration.ofSeconds(30)), Set.of("udp"), sum -> 0, Clock.fixed(T0, ZoneOffset.UTC));
        assertThat(resolve(udpOnly, "sip:naptr.test"))
                .isEqualTo("192.0.2.1:5080/udp 192.0.2.2:5090/udp 2001:db8::2:5090/udp");
        assertThat(resolve(udpOnly, "sip:trunk.test;transport=tcp")).isEmpty();
        assertThat(dns.queries).doesNotContain("SRV _sip._tcp.trunk.test");
    }

    @Test
    void aFailedQueryCountsAsNoRecords() {
        FakeDns dns = zone();
        dns.failing.add("NAPTR naptr.test");
        dns.a.put("naptr.test", List.of("192.0.2.77"));
        assertThat(resolve(resolver(dns, new Blacklist(Duration.ofSeconds(30))), "sip:naptr.test"))
                .isEqualTo("192.0.2.77:5060/udp");
        dns.failing.add("A gw1.test");
        assertThat(resolve(resolver(dns, new Blacklist(Duration.ofSeconds(30))), "sip:trunk.test"))
                .isEqualTo("192.0.2.2:5090/udp 2001:db8::2:5090/udp");
    }

    @Test
    void blacklistedTargetsAreSkipped() {
        Blacklist blacklist = new Blacklist(Duration.ofSeconds(30));
        blacklist.failed(new SipTarget("gw1.test", "192.0.2.1", 5080, "udp"), null, T0.minusSeconds(10));
        assertThat(resolve(resolver(zone(), blacklist), "sip:trunk.test"))
                .isEqualTo("192.0.2.2:5090/udp 2001:db8::2:5090/udp");
    }

    @Test
    void answersAreCachedForTheirTtl() {
        FakeDns dns = zone();
        AtomicLong nanos = new AtomicLong();
        Ticker ticker = nanos::get;
        SipResolver r = resolver(new CachingDnsLookup(dns, ticker), new Blacklist(Duration.ofSeconds(30)));
        resolve(r, "sip:trunk.test");
        int first = dns.queries.size();
        resolve(r, "sip:trunk.test");
        assertThat(dns.queries).hasSize(first); // the fake's TTL is 60 s
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(61));
        resolve(r, "sip:trunk.test");
        assertThat(dns.queries).hasSize(2 * first);
    }
}
