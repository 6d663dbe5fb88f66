package io.switchboard.sip.dns;

import io.switchboard.sip.dns.DnsRecords.Answer;
import io.switchboard.sip.dns.DnsRecords.Naptr;
import io.switchboard.sip.dns.DnsRecords.Srv;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.NAPTRRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;

/**
 * {@link DnsLookup} over dnsjava's asynchronous {@link LookupSession} (CNAMEs followed, no cache of
 * its own: {@link CachingDnsLookup} keeps answers by TTL). dnsjava rather than the JDK's JNDI DNS
 * provider because JNDI hides the records' TTLs (a cache could only guess) and its lookups block
 * the calling thread; dnsjava parses NAPTR and SRV, reports TTLs and completes a
 * {@link CompletionStage} on the executor given.
 */
public final class DnsjavaLookup implements DnsLookup {

    /** How long "no such name / no such record" is remembered (RFC 2308 negative caching, capped). */
    static final Duration NEGATIVE_TTL = Duration.ofSeconds(30);

    private final LookupSession session;

    /**
     * @param servers "host" or "host:port" of DNS servers to ask; empty: the system's (resolv.conf),
     *     with /etc/hosts for A/AAAA
     * @param timeout how long one query may take over all servers and retries
     * @param executor where answers complete (never a JAIN-SIP thread)
     */
    public DnsjavaLookup(List<String> servers, Duration timeout, Executor executor) {
        Resolver resolver;
        LookupSession.LookupSessionBuilder builder = LookupSession.builder().executor(executor);
        if (servers.isEmpty()) {
            resolver = new ExtendedResolver();
            builder.defaultHostsFileParser();
        } else {
            List<Resolver> each = new ArrayList<>();
            for (String s : servers) {
                each.add(new SimpleResolver(socketAddress(s)));
            }
            resolver = new ExtendedResolver(each);
        }
        resolver.setTimeout(timeout);
        this.session = builder.resolver(resolver).build();
    }

    /** "host", "host:port", "[v6]:port" or a bare IPv6 address; the port defaults to 53. */
    static InetSocketAddress socketAddress(String server) {
        String s = server.trim();
        String host = s;
        int port = 53;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            host = s.substring(1, close);
            if (s.length() > close + 1 && s.charAt(close + 1) == ':') {
                port = Integer.parseInt(s.substring(close + 2));
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
        }
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range in " + server);
        }
        return new InetSocketAddress(host, port);
    }

    @Override
    public CompletionStage<Answer<Naptr>> naptr(String name) {
        return query(
                name,
                Type.NAPTR,
                r -> r instanceof NAPTRRecord n
                        ? new Naptr(
                                n.getOrder(),
                                n.getPreference(),
                                n.getFlags(),
                                n.getService(),
                                n.getReplacement().toString())
                        : null);
    }

    @Override
    public CompletionStage<Answer<Srv>> srv(String name) {
        return query(
                name,
                Type.SRV,
                r -> r instanceof SRVRecord s
                        ? new Srv(
                                s.getPriority(),
                                s.getWeight(),
                                s.getPort(),
                                s.getTarget().toString())
                        : null);
    }

    @Override
    public CompletionStage<Answer<String>> addresses(String name) {
        CompletionStage<Answer<String>> v4 =
                query(name, Type.A, r -> r instanceof ARecord a ? a.getAddress().getHostAddress() : null);
        CompletionStage<Answer<String>> v6 = query(
                name, Type.AAAA, r -> r instanceof AAAARecord a ? a.getAddress().getHostAddress() : null);
        return v4.thenCombine(v6, (a, b) -> {
            List<String> all = new ArrayList<>(a.records());
            all.addAll(b.records());
            Duration ttl = a.records().isEmpty() ? b.ttl() : b.records().isEmpty() ? a.ttl() : min(a.ttl(), b.ttl());
            return new Answer<>(all, ttl);
        });
    }

    private <T> CompletionStage<Answer<T>> query(String name, int type, Function<Record, T> convert) {
        Name n;
        try {
            n = Name.fromString(name, Name.root);
        } catch (TextParseException e) {
            return CompletableFuture.failedFuture(e);
        }
        return session.lookupAsync(n, type).handle((result, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
                if (cause instanceof NoSuchDomainException || cause instanceof NoSuchRRSetException) {
                    return new Answer<T>(List.of(), NEGATIVE_TTL);
                }
                throw new CompletionException(cause);
            }
            List<T> out = new ArrayList<>();
            Duration ttl = null;
            for (Record r : result.getRecords()) {
                T value = convert.apply(r);
                if (value != null) {
                    out.add(value);
                    Duration d = Duration.ofSeconds(r.getTTL());
                    ttl = ttl == null ? d : min(ttl, d);
                }
            }
            return new Answer<T>(out, out.isEmpty() ? NEGATIVE_TTL : ttl);
        });
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
