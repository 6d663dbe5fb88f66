package io.switchboard.accounts.store;

import io.switchboard.accounts.domain.Account;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The contract of {@link AccountStore} in memory, plus the knobs cache tests need: count reads,
 * hold reads open until released (to have lookups in flight without threads or sleeps) and fail
 * the next read.
 */
final class InMemoryAccountStore implements AccountStore {

    private final Map<String, NavigableMap<String, Account>> byDomain = new ConcurrentHashMap<>();
    private final AtomicInteger finds = new AtomicInteger();
    private final Queue<Runnable> held = new ArrayDeque<>();
    private volatile boolean holding;
    private volatile RuntimeException nextFailure;

    @Override
    public synchronized CompletionStage<Optional<Account>> find(String domain, String user) {
        finds.incrementAndGet();
        RuntimeException failure = nextFailure;
        nextFailure = null;
        // The answer is taken now, as a real read would see the data as of its start.
        Optional<Account> answer = Optional.ofNullable(users(domain).get(user));
        CompletableFuture<Optional<Account>> result = new CompletableFuture<>();
        Runnable finish = failure != null ? () -> result.completeExceptionally(failure) : () -> result.complete(answer);
        if (holding) {
            held.add(finish);
        } else {
            finish.run();
        }
        return result;
    }

    @Override
    public CompletionStage<Void> put(Account account) {
        users(account.domain()).put(account.user(), account);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Boolean> delete(String domain, String user) {
        return CompletableFuture.completedFuture(users(domain).remove(user) != null);
    }

    @Override
    public CompletionStage<AccountPage> list(String domain, String afterUser, int limit) {
        AccountStore.checkLimit(limit);
        List<Account> page = new ArrayList<>();
        for (Account a : users(domain).tailMap(afterUser, false).values()) {
            if (page.size() == limit) {
                return CompletableFuture.completedFuture(
                        new AccountPage(page, Optional.of(page.get(limit - 1).user())));
            }
            page.add(a);
        }
        return CompletableFuture.completedFuture(new AccountPage(page, Optional.empty()));
    }

    private NavigableMap<String, Account> users(String domain) {
        return byDomain.computeIfAbsent(domain, d -> new ConcurrentSkipListMap<>());
    }

    int findCalls() {
        return finds.get();
    }

    /** From now on reads stay pending until {@link #release()}. */
    synchronized void hold() {
        holding = true;
    }

    /** Completes the pending reads, in order, and stops holding. */
    void release() {
        List<Runnable> toRun;
        synchronized (this) {
            holding = false;
            toRun = new ArrayList<>(held);
            held.clear();
        }
        toRun.forEach(Runnable::run);
    }

    void failNextFind(RuntimeException failure) {
        nextFailure = failure;
    }
}
