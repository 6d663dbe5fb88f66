package io.switchboard.park.entity;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.entity.due.DueIndex;
import io.switchboard.park.domain.CallerIdentity;
import io.switchboard.park.domain.Orbit;
import io.switchboard.park.domain.OrbitDecision;
import io.switchboard.park.domain.OrbitRange;
import io.switchboard.park.domain.OrbitRules;
import io.switchboard.park.domain.ParkSettings;
import io.switchboard.park.domain.ParkedCall;
import io.switchboard.park.domain.RangeOverrides;
import io.switchboard.park.store.InMemoryOrbitClaims;
import io.switchboard.park.store.InMemoryParkedCallStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The parked call entity with in-memory store and claims: allocation, write-through, retrieve, timeouts. */
class ParkedCallEntityTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final CallerIdentity BOB =
            new CallerIdentity("sip:bob@example.test", "Bob", Optional.of("<sip:bob@example.test>"));
    static final String ALICE = "sip:alice@example.test";
    static final ParkSettings SETTINGS = new ParkSettings(Duration.ofSeconds(90), 1, Optional.empty());

    InMemoryParkedCallStore store;
    InMemoryOrbitClaims claims;
    List<String> events;
    RecordingDueIndex due;

    /** Records the due-index rows the entity writes with its state. */
    static final class RecordingDueIndex implements DueIndex {
        final List<Due> rows = new CopyOnWriteArrayList<>();

        @Override
        public CompletionStage<Void> add(Due d) {
            rows.add(d);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<List<Due>> due(String type, Instant from, Instant to) {
            return CompletableFuture.completedFuture(List.of());
        }

        @Override
        public CompletionStage<Void> remove(Due d) {
            rows.remove(d);
            return CompletableFuture.completedFuture(null);
        }
    }

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        store = new InMemoryParkedCallStore();
        claims = new InMemoryOrbitClaims();
        events = new CopyOnWriteArrayList<>();
        due = new RecordingDueIndex();
    }

    static OrbitRange range(String name, String text) {
        return ((OrbitDecision.Accepted) OrbitRules.validate(new OrbitRules.Request(name, text, RangeOverrides.NONE)))
                .range();
    }

    Optional<String> holder(String range, Orbit orbit) {
        return claims.holder(range, orbit).toCompletableFuture().join();
    }

    ActorRef<ParkedCallEntity.Command> spawn(String parkId) {
        TestProbe<ClusterSharding.ShardCommand> shard = KIT.createTestProbe();
        ParkedCallListener listener = new ParkedCallListener() {
            @Override
            public void ringBack(String id, ParkedCall call, int attempt) {
                events.add("ring-back " + attempt + " " + id + " " + call.parker());
            }

            @Override
            public void gaveUp(String id, ParkedCall call, Optional<String> fallback) {
                events.add("gave up " + id + " " + fallback.orElse("(end)"));
            }
        };
        ParkedCallEntity.Settings settings = new ParkedCallEntity.Settings(
                store, claims, listener, Clock.systemUTC(), Duration.ofSeconds(60), 100, due, null);
        return KIT.spawn(ParkedCallEntity.create(parkId, settings, shard.getRef()));
    }

    ParkedCallEntity.ParkReply park(ActorRef<ParkedCallEntity.Command> entity, OrbitRange range) {
        TestProbe<ParkedCallEntity.ParkReply> reply = KIT.createTestProbe();
        entity.tell(new ParkedCallEntity.Park(
                new ParkedCallEntity.ParkRequest(range, ALICE, BOB, SETTINGS), reply.getRef()));
        return reply.receiveMessage(Duration.ofSeconds(5));
    }

    ParkedCallEntity.RetrieveReply retrieve(ActorRef<ParkedCallEntity.Command> entity) {
        TestProbe<ParkedCallEntity.RetrieveReply> reply = KIT.createTestProbe();
        entity.tell(new ParkedCallEntity.Retrieve("sip:carol@example.test", reply.getRef()));
        return reply.receiveMessage(Duration.ofSeconds(5));
    }

    @Test
    void a_park_claims_an_orbit_and_is_confirmed_only_after_the_call_is_stored() {
        OrbitRange lobby = range("lobby", "#900-#950");
        ActorRef<ParkedCallEntity.Command> entity = spawn("p-1");
        store.holdWrites(true);
        TestProbe<ParkedCallEntity.ParkReply> reply = KIT.createTestProbe();
        Instant before = Instant.now();
        entity.tell(new ParkedCallEntity.Park(
                new ParkedCallEntity.ParkRequest(lobby, ALICE, BOB, SETTINGS), reply.getRef()));
        reply.expectNoMessage(Duration.ofMillis(300));
        assertThat(store.stored("p-1")).isEmpty();

        assertThat(store.release()).isEqualTo(1);
        ParkedCall parked = ((ParkedCallEntity.Parked) reply.receiveMessage(Duration.ofSeconds(5))).call();
        assertThat(lobby.contains(parked.orbit())).isTrue();
        assertThat(parked.caller()).isEqualTo(BOB);
        assertThat(parked.parker()).isEqualTo(ALICE);
        // the deadline is an absolute instant, one pickup timeout after the park
        assertThat(parked.deadline())
                .isBetween(before.plusSeconds(90), Instant.now().plusSeconds(90));
        assertThat(store.stored("p-1")).contains(parked);
        assertThat(holder("lobby", parked.orbit())).contains("p-1");
        // written with the state: if this node dies, the sweeper starts the entity elsewhere in time
        assertThat(due.rows).containsExactly(new DueIndex.Due("parked-call", "p-1", parked.deadline()));

        // a retried park is answered as the first; another call is refused and claims nothing
        assertThat(park(entity, lobby)).isEqualTo(new ParkedCallEntity.Parked(parked));
        TestProbe<ParkedCallEntity.ParkReply> other = KIT.createTestProbe();
        entity.tell(new ParkedCallEntity.Park(
                new ParkedCallEntity.ParkRequest(
                        lobby, ALICE, new CallerIdentity("sip:dave@example.test", "", Optional.empty()), SETTINGS),
                other.getRef()));
        assertThat(((ParkedCallEntity.ParkRefused) other.receiveMessage()).reason())
                .isEqualTo(ParkedCallEntity.Reason.ALREADY_PARKED);
        assertThat(claims.held()).isEqualTo(1);
    }

    @Test
    void a_full_range_refuses_the_park_and_nothing_is_stored() {
        OrbitRange one = range("one", "*7-*7");
        assertThat(park(spawn("p-a"), one)).isInstanceOf(ParkedCallEntity.Parked.class);
        ParkedCallEntity.ParkReply refused = park(spawn("p-b"), one);
        assertThat(((ParkedCallEntity.ParkRefused) refused).reason()).isEqualTo(ParkedCallEntity.Reason.RANGE_FULL);
        assertThat(store.stored("p-b")).isEmpty();
        assertThat(claims.refusedFull()).isEqualTo(1);
    }

    @Test
    void a_failed_store_write_frees_the_orbit_again_and_answers_unavailable() {
        OrbitRange one = range("one", "*7-*7");
        store.failWrites(new IllegalStateException("Cassandra down"));
        assertThat(park(spawn("p-1"), one)).isInstanceOf(ParkedCallEntity.Unavailable.class);
        assertThat(claims.held()).isZero();
        store.failWrites(null);
        assertThat(park(spawn("p-2"), one)).isInstanceOf(ParkedCallEntity.Parked.class);
    }

    @Test
    void a_retrieve_frees_the_orbit_once_and_a_second_retrieve_finds_nothing() {
        OrbitRange lobby = range("lobby", "#900-#950");
        ActorRef<ParkedCallEntity.Command> entity = spawn("p-1");
        ParkedCall parked = ((ParkedCallEntity.Parked) park(entity, lobby)).call();

        // two retrieves at once: the entity takes them one after the other
        TestProbe<ParkedCallEntity.RetrieveReply> first = KIT.createTestProbe();
        TestProbe<ParkedCallEntity.RetrieveReply> second = KIT.createTestProbe();
        entity.tell(new ParkedCallEntity.Retrieve("sip:carol@example.test", first.getRef()));
        entity.tell(new ParkedCallEntity.Retrieve("sip:dave@example.test", second.getRef()));
        assertThat(first.receiveMessage()).isEqualTo(new ParkedCallEntity.Retrieved(parked));
        assertThat(second.receiveMessage()).isEqualTo(new ParkedCallEntity.NotParked());

        assertThat(claims.held()).isZero();
        assertThat(store.stored("p-1")).isEmpty();
        assertThat(retrieve(spawn("never-parked"))).isEqualTo(new ParkedCallEntity.NotParked());
    }

    @Test
    void a_node_taking_over_fires_the_timeout_at_the_stored_deadline_and_rings_the_parker_back() {
        OrbitRange lobby = range("lobby", "#900-#950");
        Orbit orbit = Orbit.parse("#905").orElseThrow();
        claims.claim(range("lobby", "#905-#905"), "p-1"); // held since the first node parked it
        Instant deadline = Instant.now().plusMillis(700);
        ParkedCall stored =
                new ParkedCall(lobby.name(), orbit, ALICE, BOB, deadline.minusSeconds(90), deadline, 0, SETTINGS);
        store.preload("p-1", stored);

        ActorRef<ParkedCallEntity.Command> entity = spawn("p-1"); // loads the call, arms the deadline
        TestProbe<ParkedCallEntity.StateReply> state = KIT.createTestProbe();
        state.awaitAssert(Duration.ofSeconds(5), () -> {
            assertThat(events).containsExactly("ring-back 1 p-1 " + ALICE);
            return null;
        });
        ParkedCall after = store.stored("p-1").orElseThrow();
        assertThat(after.ringBacks()).isEqualTo(1);
        assertThat(after.deadline()).isEqualTo(deadline.plusSeconds(90)); // counted from the deadline, not the timer
        assertThat(due.rows).containsExactly(new DueIndex.Due("parked-call", "p-1", after.deadline()));
        entity.tell(new ParkedCallEntity.GetParked(state.getRef()));
        assertThat(state.receiveMessage()).isEqualTo(new ParkedCallEntity.Current("p-1", Optional.of(after)));
        assertThat(holder("lobby", orbit)).contains("p-1"); // still parked, still retrievable
    }

    @Test
    void after_the_last_ring_back_it_gives_up_to_the_fallback_and_frees_the_orbit() {
        Orbit orbit = Orbit.parse("#905").orElseThrow();
        claims.claim(range("lobby", "#905-#905"), "p-1");
        Instant deadline = Instant.now().plusMillis(300);
        ParkSettings withFallback =
                new ParkSettings(Duration.ofSeconds(90), 1, Optional.of("sip:operator@example.test"));
        store.preload(
                "p-1",
                new ParkedCall("lobby", orbit, ALICE, BOB, deadline.minusSeconds(180), deadline, 1, withFallback));

        ActorRef<ParkedCallEntity.Command> entity = spawn("p-1");
        TestProbe<ParkedCallEntity.RetrieveReply> probe = KIT.createTestProbe();
        probe.awaitAssert(Duration.ofSeconds(5), () -> {
            assertThat(events).containsExactly("gave up p-1 sip:operator@example.test");
            return null;
        });
        assertThat(holder("lobby", orbit)).isEmpty();
        assertThat(store.stored("p-1")).isEmpty();
        assertThat(retrieve(entity)).isEqualTo(new ParkedCallEntity.NotParked());
    }

    static io.switchboard.park.domain.CallerHold hold(String parkId, String holder) {
        return new io.switchboard.park.domain.CallerHold(
                holder,
                "udp",
                parkId,
                "ourtag",
                "bobtag",
                "sip:park@example.test",
                "sip:bob@example.test",
                "sip:bob@192.0.2.7:5062",
                List.of(),
                io.switchboard.park.domain.CallerHold.CSEQ_BLOCK,
                "192.0.2.7",
                40000,
                0,
                "v=0\r\n",
                Instant.now(),
                0,
                "192.0.2.1",
                7,
                7);
    }

    ParkedCallEntity.TakeOverReply takeOver(ActorRef<ParkedCallEntity.Command> entity, String gone, String taker) {
        TestProbe<ParkedCallEntity.TakeOverReply> reply = KIT.createTestProbe();
        entity.tell(new ParkedCallEntity.TakeOver(gone, taker, reply.getRef()));
        return reply.receiveMessage(Duration.ofSeconds(5));
    }

    @Test
    void the_callers_leg_is_stored_before_the_park_is_confirmed_and_taken_over_once() {
        OrbitRange lobby = range("lobby", "#900-#901");
        ActorRef<ParkedCallEntity.Command> entity = spawn("p-hold");
        store.holdWrites(true);
        TestProbe<ParkedCallEntity.ParkReply> reply = KIT.createTestProbe();
        entity.tell(new ParkedCallEntity.ParkHeld(
                new ParkedCallEntity.ParkRequest(lobby, ALICE, BOB, SETTINGS),
                hold("p-hold", "node-a"),
                reply.getRef()));
        reply.expectNoMessage(Duration.ofMillis(300)); // not before both writes are acknowledged
        assertThat(store.release()).isEqualTo(1); // the call's row
        reply.expectNoMessage(Duration.ofMillis(300)); // the leg is not stored yet
        assertThat(store.hold("p-hold").toCompletableFuture().join()).isEmpty();
        store.holdWrites(false);
        assertThat(store.release()).isEqualTo(1); // the leg
        assertThat(reply.receiveMessage(Duration.ofSeconds(5))).isInstanceOf(ParkedCallEntity.Parked.class);
        assertThat(store.hold("p-hold").toCompletableFuture().join())
                .hasValueSatisfying(h -> assertThat(h.holder()).isEqualTo("node-a"));

        // a member that is not the holder asks in vain; the first asker for the gone holder wins
        assertThat(takeOver(entity, "node-x", "node-b")).isInstanceOf(ParkedCallEntity.HeldElsewhere.class);
        ParkedCallEntity.TakeOverReply first = takeOver(entity, "node-a", "node-b");
        assertThat(first).isInstanceOf(ParkedCallEntity.TakenOver.class);
        var taken = ((ParkedCallEntity.TakenOver) first).hold();
        assertThat(taken.holder()).isEqualTo("node-b");
        assertThat(taken.firstCseq()).isEqualTo(io.switchboard.park.domain.CallerHold.CSEQ_BLOCK + 1);
        assertThat(store.hold("p-hold").toCompletableFuture().join()).contains(taken);
        assertThat(takeOver(entity, "node-a", "node-c")).isEqualTo(new ParkedCallEntity.HeldElsewhere("node-b"));

        // the entity started again on another node reads the new holder: node-b's death goes to node-c
        ActorRef<ParkedCallEntity.Command> moved = spawn("p-hold");
        var second = takeOver(moved, "node-b", "node-c");
        assertThat(((ParkedCallEntity.TakenOver) second).hold().cseqCeiling())
                .isEqualTo(3 * io.switchboard.park.domain.CallerHold.CSEQ_BLOCK);

        // retrieve frees the orbit once and deletes the hold with the call
        assertThat(retrieve(moved)).isInstanceOf(ParkedCallEntity.Retrieved.class);
        assertThat(store.hold("p-hold").toCompletableFuture().join()).isEmpty();
        assertThat(takeOver(moved, "node-c", "node-d")).isInstanceOf(ParkedCallEntity.NotParked.class);
    }
}
