package io.switchboard.park.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.park.domain.CallerIdentity;
import io.switchboard.park.domain.Orbit;
import io.switchboard.park.domain.ParkSettings;
import io.switchboard.park.domain.ParkedCall;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What every {@link ParkedCallStore} does; the Cassandra store and the in-memory fake both pass it. */
abstract class ParkedCallStoreContract {

    abstract ParkedCallStore store();

    static <T> T await(CompletionStage<T> s) {
        try {
            return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static ParkedCall call(String fallback, Optional<String> pai) {
        Instant at = Instant.parse("2026-01-01T09:00:00.123Z");
        return new ParkedCall(
                "lobby",
                Orbit.parse("#905").orElseThrow(),
                "sip:alice@example.test",
                new CallerIdentity("sip:bob@example.test", "Bob Builder", pai),
                at,
                at.plusSeconds(90),
                1,
                new ParkSettings(
                        Duration.ofSeconds(90), 2, fallback.isEmpty() ? Optional.empty() : Optional.of(fallback)));
    }

    @Test
    void saves_loads_replaces_and_deletes_a_call() {
        ParkedCallStore s = store();
        assertThat(await(s.load("p-1"))).isEmpty();
        ParkedCall first = call("sip:operator@example.test", Optional.of("<sip:+31201234567@example.test>"));
        await(s.save("p-1", first, WriteStamp.UNFENCED));
        assertThat(await(s.load("p-1"))).contains(first);

        ParkedCall second = call("", Optional.empty());
        await(s.save("p-1", second, WriteStamp.UNFENCED));
        assertThat(await(s.load("p-1"))).contains(second);
        assertThat(await(s.all())).containsEntry("p-1", second);

        await(s.delete("p-1", WriteStamp.UNFENCED));
        assertThat(await(s.load("p-1"))).isEmpty();
        assertThat(await(s.all())).doesNotContainKey("p-1");
        await(s.delete("p-1", WriteStamp.UNFENCED)); // deleting what is gone is fine
    }

    static io.switchboard.park.domain.CallerHold hold(String holder) {
        return new io.switchboard.park.domain.CallerHold(
                holder,
                "udp",
                "p-2",
                "ourtag",
                "callertag",
                "sip:park@example.test",
                "sip:bob@example.test",
                "sip:bob@192.0.2.7:5062",
                java.util.List.of("<sip:192.0.2.9;lr>"),
                1000,
                "192.0.2.7",
                40000,
                8,
                "v=0\r\n",
                Instant.parse("2026-01-01T09:00:00.100Z"),
                320,
                "192.0.2.1",
                77,
                77);
    }

    @Test
    void keeps_the_callers_hold_with_the_call_and_deletes_it_with_the_call() {
        ParkedCallStore s = store();
        ParkedCall c = call("", Optional.empty());
        await(s.save("p-2", c, WriteStamp.UNFENCED));
        assertThat(await(s.hold("p-2"))).isEmpty();
        var first = hold("pekko://switchboard@127.0.0.1:2551#1");
        await(s.saveHold("p-2", first, WriteStamp.UNFENCED));
        assertThat(await(s.hold("p-2"))).contains(first);
        assertThat(await(s.holders())).containsEntry("p-2", first.holder());

        // a takeover replaces the hold, a ring-back's save of the call leaves it alone
        var taken = first.takenBy("pekko://switchboard@127.0.0.1:2552#2");
        await(s.saveHold("p-2", taken, WriteStamp.UNFENCED));
        await(s.save("p-2", c, WriteStamp.UNFENCED));
        assertThat(await(s.hold("p-2"))).contains(taken);
        assertThat(await(s.load("p-2"))).contains(c);

        await(s.delete("p-2", WriteStamp.UNFENCED));
        assertThat(await(s.hold("p-2"))).isEmpty();
        assertThat(await(s.holders())).doesNotContainKey("p-2");
    }
}
