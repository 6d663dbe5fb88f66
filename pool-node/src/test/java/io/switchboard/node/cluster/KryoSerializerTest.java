package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.switchboard.entity.TimeLeft;
import io.switchboard.presence.entity.PresentityEntity;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.registrar.domain.ContactSpec;
import io.switchboard.registrar.domain.RegisterDecision;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.sip.flow.Flow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Every message that crosses nodes goes through Kryo and comes back equal (docs/architecture.md, rule 7). */
class KryoSerializerTest {

    static final ActorTestKit KIT =
            ActorTestKit.create(ConfigFactory.parseString("pekko.actor {\n" + PekkoSettings.SERIALIZATION + "}"));

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    static Object roundTrip(Object message) {
        Serialization s = SerializationExtension.get(Adapter.toClassic(KIT.system()));
        assertThat(s.findSerializerFor(message)).isInstanceOf(KryoSerializer.class);
        byte[] bytes = s.serialize(message).get();
        return s.deserialize(bytes, message.getClass()).get();
    }

    static final Flow TCP = new Flow("tcp", "192.0.2.7", 40123, "node-2", "tok");
    static final Binding BINDING = new Binding(
            BindingKey.forFlow("<urn:uuid:1>", 1),
            "sip:a@192.0.2.7:40123;transport=tcp",
            "call-1",
            7,
            Instant.parse("2026-11-21T10:00:00.123456789Z"),
            700,
            "<urn:uuid:1>",
            1,
            List.of("<sip:edge;lr;ob>"),
            TCP,
            "Phone/1",
            Instant.parse("2026-11-21T09:50:00Z"));

    @Test
    void register_and_its_replies_round_trip() {
        TestProbe<RegistrarEntity.RegisterReply> probe = KIT.createTestProbe();
        RegisterRequest request = new RegisterRequest(
                "sip:a@example.test",
                "call-1",
                7,
                false,
                List.of(
                        ContactSpec.of("sip:a@192.0.2.7")
                                .withExpires(600)
                                .withQ(700)
                                .withInstance("<urn:uuid:1>", 1),
                        ContactSpec.of("sip:a@192.0.2.8")),
                OptionalLong.of(600),
                List.of(),
                true,
                TCP,
                "Phone/1");
        RegistrarEntity.Register register = new RegistrarEntity.Register(request, probe.getRef());
        assertThat(roundTrip(register)).isEqualTo(register);

        RegistrarEntity.Registered registered = new RegistrarEntity.Registered(new RegisterDecision.Accepted(
                List.of(BINDING), List.of(BINDING), List.of(BindingKey.forContact("sip:x@y")), true));
        assertThat(roundTrip(registered)).isEqualTo(registered);
        RegistrarEntity.Refused refused = new RegistrarEntity.Refused(
                new RegisterDecision.Rejected(RegisterDecision.Rejection.INTERVAL_TOO_BRIEF, "Interval Too Brief"));
        assertThat(roundTrip(refused)).isEqualTo(refused);
        assertThat(roundTrip(new RegistrarEntity.Unavailable("x"))).isEqualTo(new RegistrarEntity.Unavailable("x"));
    }

    @Test
    void the_due_sweepers_wake_up_round_trips_as_the_same_singleton() {
        assertThat(roundTrip(io.switchboard.entity.ShardedEntities.WAKE))
                .isSameAs(io.switchboard.entity.ShardedEntities.WAKE);
    }

    @Test
    void lookups_round_trip() {
        TestProbe<RegistrarEntity.BindingsReply> probe = KIT.createTestProbe();
        RegistrarEntity.GetBindings get = new RegistrarEntity.GetBindings(probe.getRef());
        assertThat(roundTrip(get)).isEqualTo(get);
        RegistrarEntity.CurrentBindings current =
                new RegistrarEntity.CurrentBindings("sip:a@example.test", List.of(BINDING, BINDING));
        assertThat(roundTrip(current)).isEqualTo(current);
        RegistrarEntity.CurrentBindings none = new RegistrarEntity.CurrentBindings("sip:a@example.test", List.of());
        assertThat(roundTrip(none)).isEqualTo(none);
    }

    @Test
    void node_info_round_trips() {
        TestProbe<NodeInfoService.NodeInfo> probe = KIT.createTestProbe();
        NodeInfoService.GetNodeInfo get = new NodeInfoService.GetNodeInfo(probe.getRef());
        assertThat(roundTrip(get)).isEqualTo(get);
        NodeInfoService.NodeInfo info =
                new NodeInfoService.NodeInfo("node-2", "127.0.0.2:5060", "http://127.0.0.2:8081", 1234L);
        assertThat(roundTrip(info)).isEqualTo(info);
    }

    static final io.switchboard.presence.domain.PresenceView VIEW = new io.switchboard.presence.domain.PresenceView(
            "sip:a@example.test",
            io.switchboard.presence.domain.Availability.BUSY,
            "in-a-call",
            "note",
            List.of("tel:+15550100"),
            Instant.parse("2026-11-21T10:00:00Z"));
    static final io.switchboard.presence.domain.Subscription SUBSCRIPTION =
            new io.switchboard.presence.domain.Subscription(
                    "sip:b@example.test",
                    "tag1",
                    "call-1",
                    "rtag",
                    "<sip:a@example.test>",
                    "<sip:b@example.test>",
                    "sip:b@192.0.2.7:5060",
                    List.of("<sip:edge;lr>"),
                    new io.switchboard.sip.flow.Flow("tcp", "192.0.2.7", 40123, "node-2", "tok"),
                    "7",
                    List.of("sip:a@example.test", "sip:c@example.test"),
                    "sip:b@example.test",
                    true,
                    Instant.parse("2026-11-21T11:00:00Z"),
                    200);

    @Test
    void presence_messages_round_trip() {
        TestProbe<io.switchboard.presence.entity.PresentityEntity.PublishReply> pub = KIT.createTestProbe();
        TestProbe<io.switchboard.presence.entity.PresentityEntity.WatchReply> watch = KIT.createTestProbe();
        TestProbe<io.switchboard.presence.entity.PresentityEntity.AccessReply> access = KIT.createTestProbe();
        TestProbe<io.switchboard.presence.entity.WatcherEntity.SubscribeReply> sub = KIT.createTestProbe();
        TestProbe<io.switchboard.presence.entity.WatcherEntity.ContactsReply> contacts = KIT.createTestProbe();
        io.switchboard.presence.domain.PublishedState state = new io.switchboard.presence.domain.PublishedState(
                io.switchboard.presence.domain.MachineState.INACTIVE,
                "in-a-call",
                io.switchboard.presence.domain.UserChoice.of(io.switchboard.presence.domain.Availability.BUSY),
                "n",
                List.of("tel:+1"));
        io.switchboard.presence.domain.AccessPolicy policy = io.switchboard.presence.domain.AccessPolicy.DEFAULT
                .with("sip:x@example.test", io.switchboard.presence.domain.AccessLevel.WORKGROUP)
                .with("partner.example", io.switchboard.presence.domain.AccessLevel.BLOCKED);
        List<Object> messages = List.of(
                new io.switchboard.presence.entity.PresentityEntity.Publish(
                        new io.switchboard.presence.domain.PublishRequest(
                                "etag", 600, "<presence/>", state, "udp:192.0.2.7:5060"),
                        pub.getRef()),
                new io.switchboard.presence.entity.PresentityEntity.EndpointsChanged(
                        List.of(new io.switchboard.presence.entity.Endpoint(
                                "instance:urn:uuid:1", Instant.parse("2026-11-21T09:00:00Z")))),
                new io.switchboard.presence.entity.PresentityEntity.Watch(
                        "sip:b@example.test", Instant.parse("2026-11-21T11:00:00Z"), watch.getRef()),
                new io.switchboard.presence.entity.PresentityEntity.Unwatch("sip:b@example.test"),
                new io.switchboard.presence.entity.PresentityEntity.Ack("sip:b@example.test", 42),
                new io.switchboard.presence.entity.PresentityEntity.SetAccess(
                        "partner.example", io.switchboard.presence.domain.AccessLevel.EXTERNAL, access.getRef()),
                new io.switchboard.presence.entity.PresentityEntity.Revoke("sip:b@example.test", access.getRef()),
                new io.switchboard.presence.entity.PresentityEntity.Published("etag", 600),
                new io.switchboard.presence.entity.PresentityEntity.PublishRefused(423, "Interval Too Brief", 60),
                new io.switchboard.presence.entity.PresentityEntity.Watching(
                        "sip:a@example.test", 7, VIEW, "<presence/>"),
                new io.switchboard.presence.entity.PresentityEntity.CurrentView(VIEW),
                new io.switchboard.presence.entity.PresentityEntity.NotWatched("sip:a@example.test", "probation"),
                new io.switchboard.presence.entity.PresentityEntity.CurrentAccess(policy),
                new io.switchboard.presence.entity.WatcherEntity.Subscribe(SUBSCRIPTION, 600, sub.getRef()),
                new io.switchboard.presence.entity.WatcherEntity.Refresh(
                        "tag1", 0, "sip:b@192.0.2.8", SUBSCRIPTION.flow(), sub.getRef()),
                new io.switchboard.presence.entity.WatcherEntity.PresenceChanged(
                        "sip:a@example.test", 8, VIEW, "<presence/>"),
                new io.switchboard.presence.entity.WatcherEntity.Revoked("sip:a@example.test"),
                new io.switchboard.presence.entity.WatcherEntity.PutContact(
                        new io.switchboard.presence.domain.Contact("sip:c@example.test", "C", List.of("Team")),
                        contacts.getRef()),
                new io.switchboard.presence.entity.WatcherEntity.Subscribed("tag1", 600),
                new io.switchboard.presence.entity.WatcherEntity.SubscribeRefused(481, "Subscription does not exist"),
                new io.switchboard.presence.entity.WatcherEntity.Contacts(
                        new io.switchboard.presence.domain.ContactList(
                                "sip:b@example.test",
                                List.of(new io.switchboard.presence.domain.Contact(
                                        "sip:c@example.test", "C", List.of("Team", "Friends"))))));
        for (Object m : messages) {
            assertThat(roundTrip(m)).as(m.getClass().getSimpleName()).isEqualTo(m);
        }
    }

    @Test
    void parked_call_messages_round_trip() {
        TestProbe<io.switchboard.park.entity.ParkedCallEntity.ParkReply> parks = KIT.createTestProbe();
        TestProbe<io.switchboard.park.entity.ParkedCallEntity.RetrieveReply> retrieves = KIT.createTestProbe();
        TestProbe<io.switchboard.park.entity.ParkedCallEntity.StateReply> states = KIT.createTestProbe();
        var orbit = io.switchboard.park.domain.Orbit.parse("#905").orElseThrow();
        var range = new io.switchboard.park.domain.OrbitRange(
                "lobby",
                io.switchboard.park.domain.Orbit.parse("#900").orElseThrow(),
                io.switchboard.park.domain.Orbit.parse("#950").orElseThrow(),
                new io.switchboard.park.domain.RangeOverrides(
                        java.util.Optional.of(java.time.Duration.ofSeconds(45)),
                        java.util.Optional.of(3),
                        java.util.Optional.empty()));
        var settings = new io.switchboard.park.domain.ParkSettings(
                java.time.Duration.ofMillis(90_500), 2, java.util.Optional.of("sip:operator@example.test"));
        var caller = new io.switchboard.park.domain.CallerIdentity(
                "sip:bob@example.test", "Bob", java.util.Optional.of("<sip:+31201234567@example.test>"));
        var call = new io.switchboard.park.domain.ParkedCall(
                "lobby",
                orbit,
                "sip:alice@example.test",
                caller,
                Instant.parse("2026-11-21T10:00:00.5Z"),
                Instant.parse("2026-11-21T10:01:30Z"),
                1,
                settings);
        List<Object> messages = List.of(
                new io.switchboard.park.entity.ParkedCallEntity.Park(
                        new io.switchboard.park.entity.ParkedCallEntity.ParkRequest(
                                range, "sip:alice@example.test", caller, settings),
                        parks.getRef()),
                new io.switchboard.park.entity.ParkedCallEntity.Retrieve("sip:carol@example.test", retrieves.getRef()),
                new io.switchboard.park.entity.ParkedCallEntity.GetParked(states.getRef()),
                new io.switchboard.park.entity.ParkedCallEntity.Parked(call),
                new io.switchboard.park.entity.ParkedCallEntity.ParkRefused(
                        io.switchboard.park.entity.ParkedCallEntity.Reason.RANGE_FULL, "every orbit is in use"),
                new io.switchboard.park.entity.ParkedCallEntity.Retrieved(call),
                new io.switchboard.park.entity.ParkedCallEntity.NotParked(),
                new io.switchboard.park.entity.ParkedCallEntity.Current("p-1", java.util.Optional.of(call)),
                new io.switchboard.park.entity.ParkedCallEntity.Current("p-2", java.util.Optional.empty()),
                new io.switchboard.park.entity.ParkedCallEntity.Unavailable("Parked call store unavailable"));
        for (Object m : messages) {
            assertThat(roundTrip(m)).as(m.getClass().getSimpleName()).isEqualTo(m);
        }
    }

    @Test
    void unregistered_classes_fail_loudly() {
        KryoSerializer serializer = new KryoSerializer((ExtendedActorSystem) Adapter.toClassic(KIT.system()));
        assertThatThrownBy(() -> serializer.toBinary(new java.util.HashMap<String, String>()))
                .hasMessageContaining("Class is not registered");
    }

    /**
     * Issue 17, item 5 (docs/architecture.md, rule 10): the time an asker still waits crosses nodes
     * as a duration measured on the sender's monotonic clock when the message is written, and is
     * counted on the reader's own monotonic clock from when it is read. The sender's clock here has
     * an origin of its own, as another JVM's would; no instant of it reaches the reader.
     */
    @Test
    void the_time_left_travels_as_what_is_left_when_sent_and_counts_down_on_the_readers_clock() {
        AtomicLong senderNanos = new AtomicLong(-987_654_321_000_000L);
        TimeLeft left = TimeLeft.of(Duration.ofSeconds(3), senderNanos::get);
        senderNanos.addAndGet(Duration.ofSeconds(1).toNanos()); // waited a second in the sender's shard region
        TestProbe<RegistrarEntity.RegisterReply> probe = KIT.createTestProbe();
        RegistrarEntity.RegisterWithin sent = new RegistrarEntity.RegisterWithin(REQUEST, left, probe.getRef());

        RegistrarEntity.RegisterWithin read = (RegistrarEntity.RegisterWithin) roundTrip(sent);
        assertThat(read.request()).isEqualTo(REQUEST);
        assertThat(read.replyTo()).isEqualTo(probe.getRef());
        assertThat(read.timeLeft().left())
                .as("the 2 s left when it was written, less the moments since")
                .isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(read.timeLeft().isOver()).isFalse();
    }

    @Test
    void a_time_left_that_ran_out_on_the_sender_arrives_over() {
        AtomicLong senderNanos = new AtomicLong();
        TimeLeft left = TimeLeft.of(Duration.ofSeconds(3), senderNanos::get);
        senderNanos.addAndGet(Duration.ofSeconds(4).toNanos());
        TestProbe<PresentityEntity.PublishReply> probe = KIT.createTestProbe();
        PresentityEntity.PublishWithin read = (PresentityEntity.PublishWithin)
                roundTrip(new PresentityEntity.PublishWithin(null, left, probe.getRef()));
        assertThat(read.timeLeft().isOver()).isTrue();
        assertThat(read.timeLeft().left()).isLessThan(Duration.ofMillis(-999));
    }

    static final RegisterRequest REQUEST = new RegisterRequest(
            "sip:a@example.test",
            "call-1",
            7,
            false,
            List.of(ContactSpec.of("sip:a@192.0.2.7")),
            OptionalLong.of(600),
            List.of(),
            true,
            TCP,
            "Phone/1");
}
