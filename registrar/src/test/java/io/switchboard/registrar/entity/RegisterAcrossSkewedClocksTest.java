package io.switchboard.registrar.entity;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.entity.AskBudget;
import io.switchboard.entity.TimeLeft;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.domain.RegisterRules;
import io.switchboard.registrar.domain.RegistrarPolicy;
import io.switchboard.registrar.store.InMemoryBindingStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 5, docs/architecture.md rule 10: a REGISTER's deadline does not compare the
 * asking node's clock with the entity's. The edge's node is an hour behind, the entity's two
 * hours ahead (injected {@link Clock} offsets, far beyond {@code availability.answer-margin}):
 * {@link RegistrarEntity.RegisterWithin}, carrying the time left, is served; the older
 * {@link RegistrarEntity.RegisterBefore}, carrying an instant of the asker's clock, was refused
 * (the control). And a REGISTER whose time really ran out while it waited is still refused with
 * nothing stored.
 */
class RegisterAcrossSkewedClocksTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final String AOR = RegistrarEntityTest.AOR;
    static final Duration LONG = Duration.ofSeconds(10);
    /** The shipped defaults: registrar.ask-timeout 5 s, availability.write-timeout 2 s, answer-margin 1 s. */
    static final AskBudget BUDGET = new AskBudget(Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(1));

    static final Clock ASKER = Clock.offset(Clock.systemUTC(), Duration.ofHours(-1));
    static final Clock ENTITY = Clock.offset(Clock.systemUTC(), Duration.ofHours(2));

    final InMemoryBindingStore store = new InMemoryBindingStore();

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @Test
    void a_register_within_its_time_left_is_served_by_an_entity_whose_clock_is_hours_ahead() {
        ActorRef<RegistrarEntity.Command> entity = entity();
        RegisterRequest request = RegistrarEntityTest.register("call-1", 1, 600, "sip:a@192.0.2.1");
        TestProbe<RegistrarEntity.RegisterReply> probe = KIT.createTestProbe();
        entity.tell(new RegistrarEntity.RegisterWithin(request, BUDGET.timeLeft(), probe.getRef()));
        assertThat(probe.receiveMessage(LONG)).isInstanceOf(RegistrarEntity.Registered.class);
        assertThat(store.stored(AOR)).extracting(Binding::contact).containsExactly("sip:a@192.0.2.1");
    }

    @Test
    void control_a_register_before_an_instant_of_the_askers_clock_is_refused_there() {
        ActorRef<RegistrarEntity.Command> entity = entity();
        RegisterRequest request = RegistrarEntityTest.register("call-1", 1, 600, "sip:a@192.0.2.1");
        TestProbe<RegistrarEntity.RegisterReply> probe = KIT.createTestProbe();
        entity.tell(new RegistrarEntity.RegisterBefore(request, BUDGET.answerBy(ASKER.instant()), probe.getRef()));
        assertThat(probe.receiveMessage(LONG))
                .as("what rule 10 forbids: by the entity's clock the asker stopped waiting three hours ago")
                .isInstanceOf(RegistrarEntity.Unavailable.class);
        assertThat(store.stored(AOR)).isEmpty();
    }

    @Test
    void a_register_whose_time_ran_out_while_the_entity_loaded_is_refused_and_stores_nothing() {
        AtomicLong nanos = new AtomicLong(); // the monotonic clock of the node holding the message
        CompletableFuture<List<Binding>> load = store.holdNextLoad();
        ActorRef<RegistrarEntity.Command> entity = entity();
        TestProbe<RegistrarEntity.RegisterReply> late = KIT.createTestProbe();
        TestProbe<RegistrarEntity.RegisterReply> inTime = KIT.createTestProbe();
        entity.tell(new RegistrarEntity.RegisterWithin(
                RegistrarEntityTest.register("call-1", 1, 600, "sip:a@192.0.2.1"),
                TimeLeft.of(BUDGET.waiting(), nanos::get),
                late.getRef()));
        entity.tell(new RegistrarEntity.RegisterWithin(
                RegistrarEntityTest.register("call-2", 1, 600, "sip:a@192.0.2.2"),
                TimeLeft.of(BUDGET.waiting().multipliedBy(3), nanos::get),
                inTime.getRef()));
        late.expectNoMessage(Duration.ofMillis(100)); // both wait for the load

        nanos.addAndGet(BUDGET.waiting().plusMillis(1).toNanos());
        load.complete(List.of());

        assertThat(late.receiveMessage(LONG))
                .as("its edge has answered 503: storing it now would hide a binding behind \"failed\"")
                .isInstanceOf(RegistrarEntity.Unavailable.class);
        assertThat(inTime.receiveMessage(LONG)).isInstanceOf(RegistrarEntity.Registered.class);
        assertThat(store.stored(AOR)).extracting(Binding::contact).containsExactly("sip:a@192.0.2.2");
    }

    private ActorRef<RegistrarEntity.Command> entity() {
        TestProbe<ClusterSharding.ShardCommand> shard = KIT.createTestProbe();
        return KIT.spawn(RegistrarEntity.create(
                AOR,
                new RegistrarEntity.Settings(
                        new RegisterRules(RegistrarPolicy.DEFAULTS),
                        store,
                        (aor, before, after) -> {},
                        ENTITY,
                        Duration.ofSeconds(60),
                        100,
                        null,
                        BUDGET.writeTimeout()),
                shard.getRef()));
    }
}
