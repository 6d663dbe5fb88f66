package io.switchboard.sip.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.auth.AuthThrottle.Decision;
import io.switchboard.sip.auth.AuthThrottle.Limits;
import io.switchboard.sip.auth.AuthThrottle.Outcome;
import io.switchboard.sip.auth.AuthThrottle.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuthThrottleTest {
    static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    static final String BOB = "bob@biloxi.com";
    static final String IP = "192.0.2.10";

    final AuthCounters counters = new AuthCounters();
    final AuthThrottle throttle = new AuthThrottle(Limits.DEFAULT, 1000, counters);

    @Test
    void defaults() {
        assertThat(Limits.DEFAULT).isEqualTo(new Limits(10, 30, Duration.ofSeconds(60), Duration.ofSeconds(60)));
    }

    /**
     * n failures of one account from one source, spaced {@code gapMillis}, then a check
     * {@code afterMillis} after the last one.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "10 quick failures are tolerated,           10, 100,  0,     ALLOWED,         0",
        "the 11th within the window locks out,      11, 100,  0,     BLOCKED_ACCOUNT, 60",
        "lockout counts down,                       11, 100,  30500, BLOCKED_ACCOUNT, 30",
        "lockout ends,                              11, 100,  60000, ALLOWED,         0",
        "11 spread over more than the window pass,  11, 6001, 0,     ALLOWED,         0",
        "11 just inside the window lock,            11, 5999, 0,     BLOCKED_ACCOUNT, 60",
    })
    void accountWindowAndLockout(
            String name, int failures, long gapMillis, long afterMillis, Outcome outcome, long retryAfter) {
        Instant t = T0;
        for (int i = 0; i < failures; i++) {
            assertThat(throttle.check(BOB, IP, t).allowed())
                    .as("before failure %d", i + 1)
                    .isTrue();
            throttle.failure(BOB, IP, t);
            if (i < failures - 1) {
                t = t.plusMillis(gapMillis);
            }
        }
        assertThat(throttle.check(BOB, IP, t.plusMillis(afterMillis))).isEqualTo(new Decision(outcome, retryAfter));
    }

    @Test
    void afterLockoutTheAccountGetsAFreshAllowance() {
        for (int i = 0; i < 11; i++) {
            throttle.failure(BOB, IP, T0);
        }
        Instant after = T0.plusSeconds(61);
        assertThat(throttle.check(BOB, IP, after).allowed()).isTrue();
        throttle.failure(BOB, IP, after);
        assertThat(throttle.check(BOB, IP, after).allowed()).isTrue();
        assertThat(counters.lockoutCount(Scope.ACCOUNT)).isEqualTo(1);
    }

    @Test
    void otherAccountsAndSourcesAreNotAffectedByAnAccountLockout() {
        for (int i = 0; i < 11; i++) {
            throttle.failure(BOB, IP, T0);
        }
        assertThat(throttle.check(BOB, "198.51.100.7", T0).outcome()).isEqualTo(Outcome.BLOCKED_ACCOUNT);
        assertThat(throttle.check("alice@biloxi.com", IP, T0).allowed()).isTrue();
        assertThat(counters.blockedCount(Scope.ACCOUNT)).isEqualTo(1);
    }

    @Test
    void sourceIsLockedAfter30FailuresAcrossAccounts() {
        for (int i = 0; i < 30; i++) {
            throttle.failure("user" + i + "@biloxi.com", IP, T0.plusMillis(i));
        }
        assertThat(throttle.check("someone@biloxi.com", IP, T0.plusSeconds(1)).allowed())
                .isTrue();
        throttle.failure("user30@biloxi.com", IP, T0.plusSeconds(1));
        Decision d = throttle.check("someone@biloxi.com", IP, T0.plusSeconds(1));
        assertThat(d).isEqualTo(new Decision(Outcome.BLOCKED_SOURCE, 60));
        assertThat(throttle.check("someone@biloxi.com", "198.51.100.7", T0.plusSeconds(1))
                        .allowed())
                .isTrue();
        assertThat(counters.lockoutCount(Scope.SOURCE)).isEqualTo(1);
        assertThat(counters.blockedCount(Scope.SOURCE)).isEqualTo(1);
    }

    @Test
    void successClearsTheAccountButNotTheSource() {
        for (int i = 0; i < 10; i++) {
            throttle.failure(BOB, IP, T0);
        }
        throttle.success(BOB, IP);
        throttle.failure(BOB, IP, T0);
        assertThat(throttle.check(BOB, IP, T0).allowed()).isTrue();
        // the source still carries 11 failures: 19 more from it lock it
        for (int i = 0; i < 20; i++) {
            throttle.failure("x" + i, IP, T0);
        }
        assertThat(throttle.check(BOB, IP, T0).outcome()).isEqualTo(Outcome.BLOCKED_SOURCE);
    }

    @Test
    void aFloodOfRandomUsernamesStaysWithinTheCapAndKeepsLockouts() {
        AuthThrottle small = new AuthThrottle(
                new Limits(10, 1_000_000, Duration.ofSeconds(60), Duration.ofSeconds(60)), 100, counters);
        for (int i = 0; i < 11; i++) {
            small.failure(BOB, IP, T0);
        }
        for (int i = 0; i < 10_000; i++) {
            small.failure("random" + i + "@biloxi.com", "203.0.113." + (i % 250), T0.plusMillis(i));
            assertThat(small.trackedKeys(Scope.ACCOUNT)).isLessThanOrEqualTo(100);
            assertThat(small.trackedKeys(Scope.SOURCE)).isLessThanOrEqualTo(100);
        }
        assertThat(small.check(BOB, "198.51.100.7", T0.plusSeconds(11)).outcome())
                .isEqualTo(Outcome.BLOCKED_ACCOUNT);
    }

    @Test
    void highLimitsCostNoMemoryUpFront() {
        // one failure each from many sources must not allocate a limit-sized buffer per source
        AuthThrottle generous = new AuthThrottle(
                new Limits(1_000_000, 1_000_000, Duration.ofSeconds(60), Duration.ofSeconds(60)),
                100_000,
                AuthEvents.NONE);
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 50_000; i++) {
            generous.failure("u" + i, "2001:db8::" + Integer.toHexString(i), T0);
        }
        assertThat(generous.trackedKeys(Scope.SOURCE)).isEqualTo(50_000);
        assertThat(rt.totalMemory() - rt.freeMemory()).isLessThan(512L * 1024 * 1024);
    }

    @Test
    void idleKeysExpire() {
        throttle.failure(BOB, IP, T0);
        throttle.failure("alice", IP, T0);
        assertThat(throttle.trackedKeys(Scope.ACCOUNT)).isEqualTo(2);
        throttle.failure("carol", "198.51.100.7", T0.plusSeconds(120));
        assertThat(throttle.trackedKeys(Scope.ACCOUNT)).isEqualTo(1);
        assertThat(throttle.trackedKeys(Scope.SOURCE)).isEqualTo(1);
    }

    @Test
    void hugeKeysAreStoredHashedAndStillCounted() {
        String huge = "u".repeat(100_000) + "@biloxi.com";
        for (int i = 0; i < 11; i++) {
            throttle.failure(huge, "198.51.100." + i, T0);
        }
        assertThat(throttle.check(huge, IP, T0).outcome()).isEqualTo(Outcome.BLOCKED_ACCOUNT);
    }

    @Test
    void concurrentFailuresAreAllCounted() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AuthThrottle t = new AuthThrottle(
                new Limits(400, 100_000, Duration.ofSeconds(60), Duration.ofSeconds(60)), 1000, AuthEvents.NONE);
        for (int i = 0; i < 400; i++) {
            pool.execute(() -> t.failure(BOB, IP, T0));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(t.check(BOB, IP, T0).allowed()).isTrue();
        t.failure(BOB, IP, T0);
        assertThat(t.check(BOB, IP, T0).outcome()).isEqualTo(Outcome.BLOCKED_ACCOUNT);
    }
}
