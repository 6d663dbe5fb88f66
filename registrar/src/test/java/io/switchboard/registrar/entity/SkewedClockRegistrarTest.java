package io.switchboard.registrar.entity;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.ContactSpec;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.domain.RegisterRules;
import io.switchboard.registrar.domain.RegistrarPolicy;
import io.switchboard.registrar.location.Locations;
import io.switchboard.registrar.store.CassandraBindingStore;
import io.switchboard.sip.flow.Flow;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md, rule 10: an AOR taken over by a node whose clock is two hours ahead of the
 * previous owner's (an injected {@link Clock} offset, the same Cassandra) keeps the bindings
 * Cassandra keeps, with the lifetime Cassandra has left for them, instead of dropping them by
 * comparing its clock with the instant the other node stored; so does a lookup that reads the
 * bindings straight from Cassandra on such a node.
 */
class SkewedClockRegistrarTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final Flow UDP = new Flow("udp", "127.0.0.1", 5062, "node-1", "");
    static final Duration LONG = Duration.ofSeconds(20);
    static CassandraBindingStore store;
    static final AtomicLong EPOCHS = new AtomicLong();

    @BeforeAll
    static void connect() {
        CqlSession session = TestCassandra.session("registrar_skewed_clock_test");
        CassandraSessions.applySchema(session, CassandraBindingStore.class, CassandraBindingStore.SCHEMA);
        store = new CassandraBindingStore(session);
    }

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @Test
    void an_owner_whose_clock_is_ahead_keeps_the_bindings_cassandra_keeps() {
        String aor = "sip:skewed@example.test";
        ActorRef<RegistrarEntity.Command> first = owner(aor, Clock.systemUTC());
        register(first, aor, 900); // the default max-expires
        KIT.stop(first, LONG);

        Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofHours(2));
        ActorRef<RegistrarEntity.Command> next = owner(aor, ahead);
        List<Binding> bindings = bindings(next);
        assertThat(bindings)
                .as("by the stored instant it ended long ago; Cassandra keeps it")
                .hasSize(1);
        Duration left = Duration.between(ahead.instant(), bindings.get(0).expiresAt());
        assertThat(left).isBetween(Duration.ofSeconds(800), Duration.ofSeconds(900));

        List<Binding> looked = Locations.storedIn(store, ahead)
                .lookup(aor)
                .toCompletableFuture()
                .join();
        assertThat(looked).as("a lookup on that node, straight from Cassandra").hasSize(1);
    }

    private static ActorRef<RegistrarEntity.Command> owner(String aor, Clock clock) {
        TestProbe<ClusterSharding.ShardCommand> shard = KIT.createTestProbe();
        RegistrarEntity.Settings settings = new RegistrarEntity.Settings(
                new RegisterRules(RegistrarPolicy.DEFAULTS),
                store,
                (a, before, after) -> {},
                clock,
                Duration.ofMinutes(5),
                100,
                (type, key) -> CompletableFuture.completedFuture(EPOCHS.incrementAndGet()));
        return KIT.spawn(RegistrarEntity.create(aor, settings, shard.getRef()));
    }

    private static List<Binding> bindings(ActorRef<RegistrarEntity.Command> owner) {
        TestProbe<RegistrarEntity.BindingsReply> probe = KIT.createTestProbe();
        owner.tell(new RegistrarEntity.GetBindings(probe.getRef()));
        return probe.expectMessageClass(RegistrarEntity.CurrentBindings.class, LONG)
                .bindings();
    }

    private static void register(ActorRef<RegistrarEntity.Command> owner, String aor, long expires) {
        RegisterRequest request = new RegisterRequest(
                aor,
                "call-" + Instant.now().toEpochMilli(),
                1,
                false,
                List.of(ContactSpec.of("sip:phone@192.0.2.7")),
                OptionalLong.of(expires),
                List.of(),
                false,
                UDP,
                "test");
        TestProbe<RegistrarEntity.RegisterReply> probe = KIT.createTestProbe();
        owner.tell(new RegistrarEntity.Register(request, probe.getRef()));
        probe.expectMessageClass(RegistrarEntity.Registered.class, LONG);
    }
}
