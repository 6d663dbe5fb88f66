package io.switchboard.sip.dns;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.switchboard.sip.dns.DnsRecords.Answer;
import io.switchboard.sip.dns.DnsRecords.Naptr;
import io.switchboard.sip.dns.DnsRecords.Srv;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Keeps each answer for its time to live (RFC 1035 section 3.2.1), so a request to a trunk costs a
 * DNS round trip only when the records expired. Queries in flight are shared; a failed query is not
 * kept (Caffeine drops a future that completed exceptionally), so the next request asks again.
 */
public final class CachingDnsLookup implements DnsLookup {

    private record Key(String type, String name) {}

    private final DnsLookup dns;
    private final AsyncCache<Key, Answer<?>> cache;

    public CachingDnsLookup(DnsLookup dns, Ticker ticker) {
        this.dns = dns;
        this.cache = Caffeine.newBuilder()
                .maximumSize(10_000)
                .ticker(ticker)
                .expireAfter(new Expiry<Key, Answer<?>>() {
                    @Override
                    public long expireAfterCreate(Key key, Answer<?> value, long currentTime) {
                        return value.ttl().toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(Key key, Answer<?> value, long currentTime, long currentDuration) {
                        return value.ttl().toNanos();
                    }

                    @Override
                    public long expireAfterRead(Key key, Answer<?> value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .buildAsync();
    }

    @Override
    public CompletionStage<Answer<Naptr>> naptr(String name) {
        return get(new Key("NAPTR", name), () -> dns.naptr(name));
    }

    @Override
    public CompletionStage<Answer<Srv>> srv(String name) {
        return get(new Key("SRV", name), () -> dns.srv(name));
    }

    @Override
    public CompletionStage<Answer<String>> addresses(String name) {
        return get(new Key("A", name), () -> dns.addresses(name));
    }

    @SuppressWarnings("unchecked")
    private <T> CompletionStage<Answer<T>> get(Key key, Supplier<CompletionStage<Answer<T>>> query) {
        CompletableFuture<Answer<?>> f = cache.get(
                key, (k, executor) -> query.get().toCompletableFuture().thenApply(a -> (Answer<?>) a));
        return f.thenApply(a -> (Answer<T>) a);
    }
}
