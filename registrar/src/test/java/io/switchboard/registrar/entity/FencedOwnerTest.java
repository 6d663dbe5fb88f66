package io.switchboard.registrar.entity;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.entity.fence.CassandraOwnerEpochs;
import io.switchboard.entity.fence.OwnerEpochs;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.ContactSpec;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.domain.RegisterRules;
import io.switchboard.registrar.domain.RegistrarPolicy;
import io.switchboard.registrar.store.CassandraBindingStore;
import io.switchboard.sip.flow.Flow;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two owners of one AOR at once, as after a partition or a long GC pause before the split-brain
 * resolver has downed the old one (docs/architecture.md, "After a node loss", decision (c)): the
 * stale owner keeps answering its clients, but whatever it writes after its successor started
 * cannot overwrite or delete what the successor wrote. Real entities, real Cassandra; the control
 * case without owner epochs shows the stale write winning, which is what fencing prevents.
 */
class FencedOwnerTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final Flow UDP = new Flow("udp", "127.0.0.1", 5062, "node-1", "");
    static CqlSession session;
    static CassandraBindingStore store;
    static OwnerEpochs epochs;

    @BeforeAll
    static void connect() {
        session = TestCassandra.session("registrar_fencing_test");
        CassandraSessions.applySchema(session, CassandraBindingStore.class, CassandraBindingStore.SCHEMA);
        CassandraSessions.applySchema(session, CassandraOwnerEpochs.class, CassandraOwnerEpochs.SCHEMA_RESOURCE);
        store = new CassandraBindingStore(session);
        epochs = CassandraOwnerEpochs.forSessionKeyspace(session);
    }

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** An owner of {@code aor}, started and loaded (its epoch claimed) before this returns. */
    static ActorRef<RegistrarEntity.Command> owner(String aor, OwnerEpochs owners) {
        TestProbe<ClusterSharding.ShardCommand> shard = KIT.createTestProbe();
        RegistrarEntity.Settings settings = new RegistrarEntity.Settings(
                new RegisterRules(RegistrarPolicy.DEFAULTS),
                store,
                (a, before, after) -> {},
                Clock.systemUTC(),
                Duration.ofMinutes(5),
                100,
                owners);
        ActorRef<RegistrarEntity.Command> entity = KIT.spawn(RegistrarEntity.create(aor, settings, shard.getRef()));
        TestProbe<RegistrarEntity.BindingsReply> loaded = KIT.createTestProbe();
        entity.tell(new RegistrarEntity.GetBindings(loaded.getRef()));
        loaded.expectMessageClass(RegistrarEntity.CurrentBindings.class, Duration.ofSeconds(20));
        return entity;
    }

    static void register(ActorRef<RegistrarEntity.Command> owner, String aor, String callId, long expires) {
        RegisterRequest request = new RegisterRequest(
                aor,
                callId,
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
        // the stale owner is told "registered" too: it does not know it was replaced
        probe.expectMessageClass(RegistrarEntity.Registered.class, Duration.ofSeconds(20));
    }

    static List<Binding> stored(String aor) {
        return store.load(aor).toCompletableFuture().join();
    }

    @Test
    void a_stale_owners_later_writes_change_nothing_its_successor_wrote() {
        String aor = "sip:fenced@example.test";
        ActorRef<RegistrarEntity.Command> stale = owner(aor, epochs);
        ActorRef<RegistrarEntity.Command> successor = owner(aor, epochs);

        register(successor, aor, "successor-call", 3600);
        register(stale, aor, "stale-call", 1800);
        assertThat(stored(aor))
                .singleElement()
                .satisfies(b -> assertThat(b.callId()).isEqualTo("successor-call"));

        register(stale, aor, "stale-call-2", 0); // the stale owner's unregister deletes nothing either
        assertThat(stored(aor))
                .singleElement()
                .satisfies(b -> assertThat(b.callId()).isEqualTo("successor-call"));
    }

    @Test
    void without_owner_epochs_the_stale_owners_late_write_would_win() {
        String aor = "sip:unfenced@example.test";
        ActorRef<RegistrarEntity.Command> stale = owner(aor, null);
        ActorRef<RegistrarEntity.Command> successor = owner(aor, null);

        register(successor, aor, "successor-call", 3600);
        register(stale, aor, "stale-call", 1800);
        assertThat(stored(aor))
                .singleElement()
                .satisfies(b -> assertThat(b.callId()).isEqualTo("stale-call"));
    }
}
