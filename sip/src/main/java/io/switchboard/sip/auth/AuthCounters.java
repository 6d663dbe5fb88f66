package io.switchboard.sip.auth;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@link AuthEvents} as monotonic counters (LongAdder: no contention between JAIN-SIP threads).
 * The node turns them into Prometheus counters, e.g.
 * {@code sip_auth_failures_total{reason="bad_credentials"}} from {@link #failureCount(AuthFailure)}.
 */
public final class AuthCounters implements AuthEvents {
    private final LongAdder successes = new LongAdder();
    private final LongAdder stales = new LongAdder();
    private final Map<AuthFailure, LongAdder> failures = new EnumMap<>(AuthFailure.class);
    private final Map<AuthThrottle.Scope, LongAdder> lockouts = new EnumMap<>(AuthThrottle.Scope.class);
    private final Map<AuthThrottle.Scope, LongAdder> blocked = new EnumMap<>(AuthThrottle.Scope.class);

    public AuthCounters() {
        // filled once here and only read afterwards, so the EnumMaps need no synchronization
        for (AuthFailure f : AuthFailure.values()) {
            failures.put(f, new LongAdder());
        }
        for (AuthThrottle.Scope s : AuthThrottle.Scope.values()) {
            lockouts.put(s, new LongAdder());
            blocked.put(s, new LongAdder());
        }
    }

    @Override
    public void success() {
        successes.increment();
    }

    @Override
    public void stale() {
        stales.increment();
    }

    @Override
    public void failure(AuthFailure reason) {
        failures.get(reason).increment();
    }

    @Override
    public void lockout(AuthThrottle.Scope scope) {
        lockouts.get(scope).increment();
    }

    @Override
    public void blocked(AuthThrottle.Scope scope) {
        blocked.get(scope).increment();
    }

    public long successCount() {
        return successes.sum();
    }

    public long staleCount() {
        return stales.sum();
    }

    public long failureCount(AuthFailure reason) {
        return failures.get(reason).sum();
    }

    public long lockoutCount(AuthThrottle.Scope scope) {
        return lockouts.get(scope).sum();
    }

    public long blockedCount(AuthThrottle.Scope scope) {
        return blocked.get(scope).sum();
    }
}
