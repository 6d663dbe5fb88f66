package io.switchboard.registrar.entity;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.ContactSpec;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.domain.RegisterRules;
import io.switchboard.registrar.domain.RegistrarPolicy;
import io.switchboard.registrar.store.InMemoryBindingStore;
import io.switchboard.sip.flow.Flow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The entity's write-through, ordering, failure and expiry behaviour, with a fake store. */
class RegistrarEntityTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final String AOR = "sip:alice@example.test";
    static final Flow UDP = new Flow("udp", "127.0.0.1", 5062, "node-1", "");

    InMemoryBindingStore store;
    AtomicInteger changes;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        store = new InMemoryBindingStore();
        changes = new AtomicInteger();
    }

    ActorRef<RegistrarEntity.Command> spawn(Clock clock) {
        return spawn(clock, 100);
    }

    ActorRef<RegistrarEntity.Command> spawn(Clock clock, int capacity) {
        TestProbe<ClusterSharding.ShardCommand> shard = KIT.createTestProbe();
        RegistrarEntity.Settings settings = new RegistrarEntity.Settings(
                new RegisterRules(RegistrarPolicy.DEFAULTS),
                store,
                (aor, before, after) -> changes.incrementAndGet(),
                clock,
                Duration.ofSeconds(60),
                capacity,
                null);
        return KIT.spawn(RegistrarEntity.create(AOR, settings, shard.getRef()));
    }

    static RegisterRequest register(String callId, long cseq, long expires, String contact) {
        return new RegisterRequest(
                AOR,
                callId,
                cseq,
                false,
                List.of(ContactSpec.of(contact)),
                OptionalLong.of(expires),
                List.of(),
                false,
                UDP,
                "test");
    }

    @Test
    void answers_only_after_the_store_acknowledged() {
        store.holdWrites(true);
        ActorRef<RegistrarEntity.Command> entity = spawn(Clock.systemUTC());
        TestProbe<RegistrarEntity.RegisterReply> probe = KIT.createTestProbe();
        entity.tell(new RegistrarEntity.Register(register("c1", 1, 600, "sip:a@192.0.2.1"), probe.getRef()));
        probe.expectNoMessage(Duration.ofMillis(300));
        assertThat(store.heldWrites()).isEqualTo(1);
        store.release();
        RegistrarEntity.Registered ok = probe.expectMessageClass(RegistrarEntity.Registered.class);
        assertThat(ok.decision().bindings()).hasSize(1);
        assertThat(store.stored(AOR)).hasSize(1);
    }

    @Test
    void requests_arriving_during_a_write_are_decided_on_its_result_in_order() {
        store.holdWrites(true);
        ActorRef<RegistrarEntity.Command> entity = spawn(Clock.systemUTC());
        TestProbe<RegistrarEntity.RegisterReply> probe = KIT.createTestProbe();
        entity.tell(new RegistrarEntity.Register(register("c1", 1, 600, "sip:a@192.0.2.1"), probe.getRef()));
        entity.tell(new RegistrarEntity.Register(register("c1", 2, 600, "sip:a@192.0.2.2"), probe.getRef()));
        // the retransmitted first one (same Call-ID, CSeq 1) must now be out of order
        entity.tell(new RegistrarEntity.Register(register("c1", 1, 600, "sip:a@192.0.2.1"), probe.getRef()));
        probe.expectNoMessage(Duration.ofMillis(200));
        store.release();
        assertThat(probe.expectMessageClass(RegistrarEntity.Registered.class)
                        .decision()
                        .bindings())
                .hasSize(1);
        probe.awaitAssert(() -> {
            assertThat(store.heldWrites()).as("second REGISTER's write").isEqualTo(1);
            return null;
        });
        store.release();
        assertThat(probe.expectMessageClass(RegistrarEntity.Registered.class)
                        .decision()
                        .bindings())
                .hasSize(2);
        assertThat(probe.expectMessageClass(RegistrarEntity.Refused.class)
                        .rejection()
                        .detail())
                .isEqualTo("Out of order CSeq for this Call-ID");
    }

    @Test
    void requests_beyond_the_holding_capacity_are_refused_at_once() {
        store.holdWrites(true);
        ActorRef<RegistrarEntity.Command> entity = spawn(Clock.systemUTC(), 2);
        TestProbe<RegistrarEntity.RegisterReply> probe = KIT.createTestProbe();
        entity.tell(new RegistrarEntity.Register(register("c1", 1, 600, "sip:a@192.0.2.1"), probe.getRef()));
        probe.awaitAssert(() -> {
            assertThat(store.heldWrites()).isEqualTo(1);
            return null;
        });
        for (int cseq = 2; cseq <= 4; cseq++) {
            entity.tell(new RegistrarEntity.Register(register("c1", cseq, 600, "sip:a@192.0.2.1"), probe.getRef()));
        }
        assertThat(probe.expectMessageClass(RegistrarEntity.Unavailable.class).reason())
                .startsWith("Too many pending");
        store.holdWrites(false);
        store.release();
        assertThat(probe.receiveSeveralMessages(3)).allMatch(RegistrarEntity.Registered.class::isInstance);
    }

    @Test
    void a_failed_load_answers_every_waiting_request() {
        var load = store.holdNextLoad();
        ActorRef<RegistrarEntity.Command> entity = spawn(Clock.systemUTC());
        TestProbe<RegistrarEntity.RegisterReply> probe = KIT.createTestProbe();
        TestProbe<RegistrarEntity.BindingsReply> lookup = KIT.createTestProbe();
        entity.tell(new RegistrarEntity.Register(register("c1", 1, 600, "sip:a@192.0.2.1"), probe.getRef()));
        entity.tell(new RegistrarEntity.GetBindings(lookup.getRef()));
        entity.tell(new RegistrarEntity.Register(register("c2", 1, 600, "sip:a@192.0.2.2"), probe.getRef()));
        probe.expectNoMessage(Duration.ofMillis(200));
        load.completeExceptionally(new IllegalStateException("cassandra down"));
        probe.expectMessageClass(RegistrarEntity.Unavailable.class);
        probe.expectMessageClass(RegistrarEntity.Unavailable.class);
        lookup.expectMessageClass(RegistrarEntity.Unavailable.class);
        probe.expectTerminated(entity);
    }

    @Test
    void a_failed_write_answers_unavailable_and_changes_nothing() {
        ActorRef<RegistrarEntity.Command> entity = spawn(Clock.systemUTC());
        TestProbe<RegistrarEntity.RegisterReply> probe = KIT.createTestProbe();
        store.failWrites(new IllegalStateException("cassandra down"));
        entity.tell(new RegistrarEntity.Register(register("c1", 1, 600, "sip:a@192.0.2.1"), probe.getRef()));
        probe.expectMessageClass(RegistrarEntity.Unavailable.class);
        TestProbe<RegistrarEntity.BindingsReply> lookup = KIT.createTestProbe();
        entity.tell(new RegistrarEntity.GetBindings(lookup.getRef()));
        assertThat(lookup.expectMessageClass(RegistrarEntity.CurrentBindings.class)
                        .bindings())
                .isEmpty();
        assertThat(changes.get()).isZero();
    }

    @Test
    void loads_stored_bindings_when_it_starts_and_skips_expired_ones() {
        Instant now = Instant.now();
        store.preload(
                AOR,
                List.of(
                        binding("sip:a@192.0.2.1", now.plusSeconds(500), now),
                        binding("sip:a@192.0.2.2", now.minusSeconds(1), now.minusSeconds(601))));
        ActorRef<RegistrarEntity.Command> entity = spawn(Clock.systemUTC());
        TestProbe<RegistrarEntity.BindingsReply> lookup = KIT.createTestProbe();
        entity.tell(new RegistrarEntity.GetBindings(lookup.getRef()));
        assertThat(lookup.expectMessageClass(RegistrarEntity.CurrentBindings.class)
                        .bindings())
                .extracting(Binding::contact)
                .containsExactly("sip:a@192.0.2.1");
    }

    @Test
    void expiry_timer_drops_a_binding_when_it_expires() {
        // The clock says the binding expires 1 s from "now"; the timer fires in real time.
        Instant base = Instant.now();
        store.preload(AOR, List.of(binding("sip:a@192.0.2.1", base.plusMillis(700), base)));
        ActorRef<RegistrarEntity.Command> entity = spawn(Clock.systemUTC());
        TestProbe<RegistrarEntity.BindingsReply> lookup = KIT.createTestProbe();
        lookup.awaitAssert(Duration.ofSeconds(5), () -> {
            assertThat(changes.get()).as("load, then expiry").isEqualTo(2);
            return null;
        });
        entity.tell(new RegistrarEntity.GetBindings(lookup.getRef()));
        assertThat(lookup.expectMessageClass(RegistrarEntity.CurrentBindings.class)
                        .bindings())
                .isEmpty();
    }

    @Test
    void an_empty_entity_asks_its_shard_to_passivate_it() {
        TestProbe<ClusterSharding.ShardCommand> shard = KIT.createTestProbe();
        RegistrarEntity.Settings settings = new RegistrarEntity.Settings(
                new RegisterRules(RegistrarPolicy.DEFAULTS),
                store,
                (aor, before, after) -> {},
                Clock.fixed(Instant.now(), ZoneOffset.UTC),
                Duration.ofMillis(200),
                100,
                null);
        ActorRef<RegistrarEntity.Command> entity = KIT.spawn(RegistrarEntity.create(AOR, settings, shard.getRef()));
        TestProbe<RegistrarEntity.BindingsReply> lookup = KIT.createTestProbe();
        entity.tell(new RegistrarEntity.GetBindings(lookup.getRef()));
        lookup.expectMessageClass(RegistrarEntity.CurrentBindings.class);
        ClusterSharding.Passivate<?> passivate =
                shard.expectMessageClass(ClusterSharding.Passivate.class, Duration.ofSeconds(3));
        assertThat(passivate.entity()).isEqualTo(entity);
    }

    @Test
    void a_stopping_entity_releases_its_bindings_to_the_listener() {
        Instant now = Instant.now();
        store.preload(AOR, List.of(binding("sip:a@192.0.2.1", now.plusSeconds(500), now)));
        java.util.concurrent.atomic.AtomicInteger released = new java.util.concurrent.atomic.AtomicInteger();
        TestProbe<ClusterSharding.ShardCommand> shard = KIT.createTestProbe();
        RegistrarEntity.Settings settings = new RegistrarEntity.Settings(
                new RegisterRules(RegistrarPolicy.DEFAULTS),
                store,
                new BindingListener() {
                    @Override
                    public void changed(String aor, List<Binding> before, List<Binding> after) {}

                    @Override
                    public void released(String aor, List<Binding> bindings) {
                        released.addAndGet(bindings.size());
                    }
                },
                Clock.systemUTC(),
                Duration.ofSeconds(60),
                100,
                null);
        ActorRef<RegistrarEntity.Command> entity = KIT.spawn(RegistrarEntity.create(AOR, settings, shard.getRef()));
        TestProbe<RegistrarEntity.BindingsReply> lookup = KIT.createTestProbe();
        entity.tell(new RegistrarEntity.GetBindings(lookup.getRef()));
        lookup.expectMessageClass(RegistrarEntity.CurrentBindings.class);
        KIT.stop(entity);
        assertThat(released.get()).isEqualTo(1);
    }

    static Binding binding(String contact, Instant expiresAt, Instant registeredAt) {
        return new Binding(
                io.switchboard.registrar.domain.BindingKey.forContact(contact),
                contact,
                "c0",
                1,
                expiresAt,
                1000,
                null,
                0,
                List.of(),
                UDP,
                "test",
                registeredAt);
    }
}
