package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.typesafe.config.ConfigFactory;
import io.switchboard.conference.domain.AccessType;
import io.switchboard.conference.domain.Actor;
import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.Expiry;
import io.switchboard.conference.domain.Joiner;
import io.switchboard.conference.domain.JoinerKind;
import io.switchboard.conference.domain.LobbyReason;
import io.switchboard.conference.domain.Participant;
import io.switchboard.conference.domain.ParticipantStatus;
import io.switchboard.conference.domain.Presenters;
import io.switchboard.conference.domain.Role;
import io.switchboard.conference.domain.Roster;
import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.store.ConferenceStore;
import io.switchboard.entity.TimeLeft;
import io.switchboard.park.domain.CallerIdentity;
import io.switchboard.park.domain.Orbit;
import io.switchboard.park.domain.OrbitRange;
import io.switchboard.park.domain.ParkSettings;
import io.switchboard.park.domain.ParkedCall;
import io.switchboard.park.domain.RangeOverrides;
import io.switchboard.park.entity.ParkedCallEntity;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Availability;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import io.switchboard.presence.domain.MachineState;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.domain.PublishRequest;
import io.switchboard.presence.domain.PublishedState;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.presence.domain.UserChoice;
import io.switchboard.presence.entity.Endpoint;
import io.switchboard.presence.entity.PresentityEntity;
import io.switchboard.presence.entity.WatcherEntity;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.registrar.domain.ContactSpec;
import io.switchboard.registrar.domain.RegisterDecision;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.sip.flow.Flow;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes: the Kryo encoding of one sample of every message that crosses nodes
 * (KryoRegistrations), pinned as hex in {@value #RESOURCE}. A change to a message's fields, their
 * types or a registration id changes its bytes and fails here, so it is a conscious decision
 * (docs/architecture.md, "Cluster message formats"); and the pinned bytes must still decode to the
 * sample, which is what a node of this version needs to read a message from a node of the last.
 *
 * <p>Regenerate the file after a deliberate change (then review its diff):
 * {@code mvn -B -q -o test -pl pool-node -am -Dtest=KryoGoldenBytesTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dkryo.golden.write=true}
 */
class KryoGoldenBytesTest {

    static final String RESOURCE = "io/switchboard/node/cluster/kryo-golden.txt";

    /** A fixed system name: actor refs travel as their path, which starts with it. */
    static final ActorTestKit KIT = ActorTestKit.create(
            "kryo-golden", ConfigFactory.parseString("pekko.actor {\n" + PekkoSettings.SERIALIZATION + "}"));

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    /** A reply-to ref with a fixed path and uid, so its bytes do not vary between runs. */
    static <T> ActorRef<T> ref(String name) {
        return ActorRefResolver.get(KIT.system()).resolveActorRef("pekko://kryo-golden/user/" + name + "#1");
    }

    static final Flow FLOW = new Flow("tcp", "192.0.2.7", 40123, "node-2", "tok");
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
            FLOW,
            "Phone/1",
            Instant.parse("2026-11-21T09:50:00Z"));
    static final PresenceView VIEW = new PresenceView(
            "sip:a@example.test",
            Availability.BUSY,
            "in-a-call",
            "note",
            List.of("tel:+15550100"),
            Instant.parse("2026-11-21T10:00:00Z"));
    static final Subscription SUBSCRIPTION = new Subscription(
            "sip:b@example.test",
            "tag1",
            "call-1",
            "rtag",
            "<sip:a@example.test>",
            "<sip:b@example.test>",
            "sip:b@192.0.2.7:5060",
            List.of("<sip:edge;lr>"),
            FLOW,
            "7",
            List.of("sip:a@example.test", "sip:c@example.test"),
            "sip:b@example.test",
            true,
            Instant.parse("2026-11-21T11:00:00Z"),
            200);

    /**
     * 2 s left on a monotonic clock that stands still, so its bytes do not vary between runs; a
     * real one is written as the nanoseconds left when it is serialized.
     */
    static final TimeLeft TIME_LEFT = TimeLeft.of(Duration.ofSeconds(2), () -> 0L);

    /**
     * One sample per message type, keyed by the name it has in the golden file. Maps hold at most
     * one entry: the iteration order of {@code Map.of} with more is randomized per JVM, and with it
     * the bytes.
     */
    static Map<String, Object> samples() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("entity.Wake", io.switchboard.entity.ShardedEntities.WAKE);
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
                FLOW,
                "Phone/1");
        s.put("registrar.Register", new RegistrarEntity.Register(request, ref("register-reply")));
        s.put(
                "registrar.RegisterBefore",
                new RegistrarEntity.RegisterBefore(
                        request, Instant.parse("2026-12-05T10:00:02Z"), ref("register-reply")));
        s.put(
                "registrar.RegisterWithin",
                new RegistrarEntity.RegisterWithin(request, TIME_LEFT, ref("register-reply")));
        s.put("registrar.GetBindings", new RegistrarEntity.GetBindings(ref("bindings-reply")));
        s.put(
                "registrar.Registered",
                new RegistrarEntity.Registered(new RegisterDecision.Accepted(
                        List.of(BINDING), List.of(BINDING), List.of(BindingKey.forContact("sip:x@y")), true)));
        s.put(
                "registrar.Refused",
                new RegistrarEntity.Refused(new RegisterDecision.Rejected(
                        RegisterDecision.Rejection.INTERVAL_TOO_BRIEF, "Interval Too Brief")));
        s.put("registrar.Unavailable", new RegistrarEntity.Unavailable("store down"));
        s.put("registrar.CurrentBindings", new RegistrarEntity.CurrentBindings("sip:a@example.test", List.of(BINDING)));
        s.put("registrar.CurrentBindings.empty", new RegistrarEntity.CurrentBindings("sip:a@example.test", List.of()));

        PublishedState state = new PublishedState(
                MachineState.INACTIVE, "in-a-call", UserChoice.of(Availability.BUSY), "n", List.of("tel:+1"));
        AccessPolicy policy = AccessPolicy.DEFAULT
                .with("sip:x@example.test", AccessLevel.WORKGROUP)
                .with("partner.example", AccessLevel.BLOCKED);
        s.put(
                "presentity.Publish",
                new PresentityEntity.Publish(
                        new PublishRequest("etag", 600, "<presence/>", state, "udp:192.0.2.7:5060"),
                        ref("publish-reply")));
        s.put(
                "presentity.PublishWithin",
                new PresentityEntity.PublishWithin(
                        new PublishRequest("etag", 600, "<presence/>", state, "udp:192.0.2.7:5060"),
                        TIME_LEFT,
                        ref("publish-reply")));
        s.put(
                "presentity.EndpointsChanged",
                new PresentityEntity.EndpointsChanged(
                        List.of(new Endpoint("instance:urn:uuid:1", Instant.parse("2026-11-21T09:00:00Z")))));
        s.put(
                "presentity.Watch",
                new PresentityEntity.Watch(
                        "sip:b@example.test", Instant.parse("2026-11-21T11:00:00Z"), ref("watch-reply")));
        s.put(
                "presentity.WatchFor",
                new PresentityEntity.WatchFor("sip:b@example.test", Duration.ofSeconds(3600), ref("watch-reply")));
        s.put("presentity.Unwatch", new PresentityEntity.Unwatch("sip:b@example.test"));
        s.put("presentity.Ack", new PresentityEntity.Ack("sip:b@example.test", 42));
        s.put("presentity.GetView", new PresentityEntity.GetView("sip:b@example.test", ref("view-reply")));
        s.put("presentity.GetAccess", new PresentityEntity.GetAccess(ref("access-reply")));
        s.put(
                "presentity.SetAccess",
                new PresentityEntity.SetAccess("partner.example", AccessLevel.EXTERNAL, ref("access-reply")));
        s.put("presentity.Revoke", new PresentityEntity.Revoke("sip:b@example.test", ref("access-reply")));
        s.put("presentity.Published", new PresentityEntity.Published("etag", 600));
        s.put("presentity.PublishRefused", new PresentityEntity.PublishRefused(423, "Interval Too Brief", 60));
        s.put("presentity.Unavailable", new PresentityEntity.Unavailable("store down"));
        s.put("presentity.Watching", new PresentityEntity.Watching("sip:a@example.test", 7, VIEW, "<presence/>"));
        s.put("presentity.CurrentView", new PresentityEntity.CurrentView(VIEW));
        s.put("presentity.CurrentAccess", new PresentityEntity.CurrentAccess(policy));
        s.put("presentity.NotWatched", new PresentityEntity.NotWatched("sip:a@example.test", "probation"));

        s.put("watcher.Subscribe", new WatcherEntity.Subscribe(SUBSCRIPTION, 600, ref("subscribe-reply")));
        s.put("watcher.Refresh", new WatcherEntity.Refresh("tag1", 0, "sip:b@192.0.2.8", FLOW, ref("subscribe-reply")));
        s.put(
                "watcher.SubscribeBefore",
                new WatcherEntity.SubscribeBefore(
                        new WatcherEntity.Subscribe(SUBSCRIPTION, 600, ref("subscribe-reply")),
                        Instant.parse("2026-12-05T10:00:02Z")));
        s.put(
                "watcher.RefreshBefore",
                new WatcherEntity.RefreshBefore(
                        new WatcherEntity.Refresh("tag1", 0, "sip:b@192.0.2.8", FLOW, ref("subscribe-reply")),
                        Instant.parse("2026-12-05T10:00:02Z")));
        s.put(
                "watcher.SubscribeWithin",
                new WatcherEntity.SubscribeWithin(
                        new WatcherEntity.Subscribe(SUBSCRIPTION, 600, ref("subscribe-reply")), TIME_LEFT));
        s.put(
                "watcher.RefreshWithin",
                new WatcherEntity.RefreshWithin(
                        new WatcherEntity.Refresh("tag1", 0, "sip:b@192.0.2.8", FLOW, ref("subscribe-reply")),
                        TIME_LEFT));
        s.put(
                "watcher.PresenceChanged",
                new WatcherEntity.PresenceChanged("sip:a@example.test", 8, VIEW, "<presence/>"));
        s.put("watcher.Revoked", new WatcherEntity.Revoked("sip:a@example.test"));
        s.put("watcher.GetContacts", new WatcherEntity.GetContacts(ref("contacts-reply")));
        Contact contact = new Contact("sip:c@example.test", "C", List.of("Team"));
        s.put("watcher.PutContact", new WatcherEntity.PutContact(contact, ref("contacts-reply")));
        s.put("watcher.RemoveContact", new WatcherEntity.RemoveContact("sip:c@example.test", ref("contacts-reply")));
        s.put("watcher.Subscribed", new WatcherEntity.Subscribed("tag1", 600));
        s.put("watcher.SubscribeRefused", new WatcherEntity.SubscribeRefused(481, "Subscription does not exist"));
        s.put("watcher.Unavailable", new WatcherEntity.Unavailable("store down"));
        s.put(
                "watcher.Contacts",
                new WatcherEntity.Contacts(new ContactList("sip:b@example.test", List.of(contact, contact))));
        s.put("watcher.ContactsRefused", new WatcherEntity.ContactsRefused(List.of("too many contacts")));

        s.put("pool.GetNodeInfo", new NodeInfoService.GetNodeInfo(ref("node-info-reply")));
        s.put(
                "pool.NodeInfo",
                new NodeInfoService.NodeInfo("node-2", "127.0.0.2:5060", "http://127.0.0.2:8081", 1234L));
        parkSamples(s);
        conferenceSamples(s);
        return s;
    }

    private static Serialization serialization() {
        return SerializationExtension.get(Adapter.toClassic(KIT.system()));
    }

    private static String encode(Object message) {
        Serialization s = serialization();
        assertThat(s.findSerializerFor(message))
                .as(message.getClass().getName())
                .isInstanceOf(KryoSerializer.class);
        return HexFormat.of().formatHex(s.serialize(message).get());
    }

    /** name -> hex, from the golden file; written first when -Dkryo.golden.write=true. */
    private static Map<String, String> golden(Map<String, Object> samples) throws IOException {
        if (Boolean.getBoolean("kryo.golden.write")) {
            StringBuilder text =
                    new StringBuilder("# Kryo encoding of one sample per cluster message (KryoGoldenBytesTest):"
                            + " name, class, hex.\n# Generated; regenerate only for a deliberate format change (the test's"
                            + " comment says how).\n");
            samples.forEach((name, m) -> text.append(name)
                    .append(' ')
                    .append(m.getClass().getName())
                    .append(' ')
                    .append(encode(m))
                    .append('\n'));
            Files.writeString(Path.of("src/test/resources").resolve(RESOURCE), text, StandardCharsets.UTF_8);
            return parse(text.toString());
        }
        try (InputStream in = KryoGoldenBytesTest.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            assertThat(in).as(RESOURCE + " on the test class path").isNotNull();
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static Map<String, String> parse(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.trim().split(" ");
            m.put(f[0], f[2]);
        }
        return m;
    }

    @Test
    void everyMessageEncodesToItsPinnedBytes() throws IOException {
        Map<String, Object> samples = samples();
        Map<String, String> golden = golden(samples);
        assertThat(golden.keySet()).as("samples and " + RESOURCE).containsExactlyElementsOf(samples.keySet());
        samples.forEach((name, m) -> assertThat(encode(m))
                .as(
                        "the Kryo encoding of %s changed: nodes of the previous version cannot read it during a rolling"
                                + " upgrade (docs/architecture.md, \"Cluster message formats\"); if deliberate,"
                                + " regenerate %s (this test's comment)",
                        name, RESOURCE)
                .isEqualTo(golden.get(name)));
    }

    @Test
    void thePinnedBytesStillDecodeToTheSamples() throws IOException {
        Map<String, Object> samples = samples();
        Map<String, String> golden = golden(samples);
        for (Map.Entry<String, Object> e : samples.entrySet()) {
            Object decoded = serialization()
                    .deserialize(
                            HexFormat.of().parseHex(golden.get(e.getKey())),
                            e.getValue().getClass())
                    .get();
            assertDecodedTo(e.getKey(), decoded, e.getValue());
        }
    }

    /**
     * Equal, except that a {@link TimeLeft} is read as the time left from now on this node's
     * monotonic clock, which has moved on since: at most what was written, not much less.
     */
    private static void assertDecodedTo(String name, Object decoded, Object sample) {
        if (sample instanceof TimeLeft written) {
            assertThat(decoded).as(name).isInstanceOf(TimeLeft.class);
            assertThat(((TimeLeft) decoded).nanosLeft())
                    .as(name)
                    .isBetween(written.nanosLeft() - Duration.ofMinutes(1).toNanos(), written.nanosLeft());
        } else if (sample != null
                && sample.getClass().isRecord()
                && java.util.Arrays.stream(sample.getClass().getRecordComponents())
                        .anyMatch(rc -> rc.getType() == TimeLeft.class)) {
            assertThat(decoded).as(name).isInstanceOf(sample.getClass());
            for (RecordComponent rc : sample.getClass().getRecordComponents()) {
                try {
                    assertDecodedTo(
                            name + "." + rc.getName(),
                            rc.getAccessor().invoke(decoded),
                            rc.getAccessor().invoke(sample));
                } catch (ReflectiveOperationException ex) {
                    throw new IllegalStateException(ex);
                }
            }
        } else {
            assertThat(decoded).as(name).isEqualTo(sample);
        }
    }

    @Test
    void everyRegisteredSwitchboardClassIsInASample() {
        Kryo kryo =
                KryoRegistrations.newKryo((org.apache.pekko.actor.ExtendedActorSystem) Adapter.toClassic(KIT.system()));
        Set<Class<?>> registered = new HashSet<>();
        for (int id = 0; id < 2000; id++) {
            Registration r = kryo.getRegistration(id);
            if (r != null && r.getType().getName().startsWith("io.switchboard.")) {
                registered.add(r.getType());
            }
        }
        Set<Class<?>> seen = new HashSet<>();
        samples().values().forEach(m -> walk(m, seen));
        assertThat(seen).as("classes in the samples").containsAll(registered);
    }

    /** The runtime classes of a message and of everything in it (record components, lists, maps, optionals). */
    private static void walk(Object o, Set<Class<?>> seen) {
        if (o == null || o instanceof ActorRef<?>) {
            return;
        }
        Class<?> c = o instanceof Enum<?> e ? e.getDeclaringClass() : o.getClass();
        seen.add(c); // messages are trees of values: no cycles to guard against
        if (o instanceof Collection<?> items) {
            items.forEach(i -> walk(i, seen));
        } else if (o instanceof Optional<?> value) {
            value.ifPresent(v -> walk(v, seen));
        } else if (o instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                walk(k, seen);
                walk(v, seen);
            });
        } else if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                try {
                    walk(rc.getAccessor().invoke(o), seen);
                } catch (ReflectiveOperationException ex) {
                    throw new IllegalStateException(ex);
                }
            }
        }
    }

    /** Call park's messages (ids 600-649). */
    private static void parkSamples(Map<String, Object> s) {
        Orbit orbit = Orbit.parse("#905").orElseThrow();
        OrbitRange range = new OrbitRange(
                "lobby",
                Orbit.parse("#900").orElseThrow(),
                Orbit.parse("#950").orElseThrow(),
                new RangeOverrides(Optional.of(Duration.ofSeconds(60)), Optional.of(2), Optional.empty()));
        ParkSettings settings = new ParkSettings(Duration.ofSeconds(90), 1, Optional.of("sip:operator@example.test"));
        CallerIdentity caller =
                new CallerIdentity("sip:bob@example.test", "Bob", Optional.of("<sip:+31201234567@example.test>"));
        ParkedCall call = new ParkedCall(
                "lobby",
                orbit,
                "sip:alice@example.test",
                caller,
                Instant.parse("2026-12-05T08:00:00Z"),
                Instant.parse("2026-12-05T08:01:30Z"),
                0,
                settings);
        ParkedCallEntity.ParkRequest request =
                new ParkedCallEntity.ParkRequest(range, "sip:alice@example.test", caller, settings);
        s.put("park.Park", new ParkedCallEntity.Park(request, ref("park-reply")));
        s.put("park.Retrieve", new ParkedCallEntity.Retrieve("sip:carol@example.test", ref("retrieve-reply")));
        s.put("park.GetParked", new ParkedCallEntity.GetParked(ref("state-reply")));
        s.put("park.Parked", new ParkedCallEntity.Parked(call));
        s.put(
                "park.ParkRefused",
                new ParkedCallEntity.ParkRefused(ParkedCallEntity.Reason.RANGE_FULL, "All park orbits in use"));
        s.put("park.Retrieved", new ParkedCallEntity.Retrieved(call));
        s.put("park.NotParked", new ParkedCallEntity.NotParked());
        s.put("park.Current", new ParkedCallEntity.Current("call-1@192.0.2.1", Optional.of(call)));
        s.put("park.Current.empty", new ParkedCallEntity.Current("call-2@192.0.2.1", Optional.empty()));
        s.put("park.Unavailable", new ParkedCallEntity.Unavailable("Parked calls store unavailable"));
        s.put(
                "park.peers.TakeRetrieve",
                new io.switchboard.park.sip.ParkPeers.TakeRetrieve(
                        "call-1@192.0.2.1",
                        "sip:carol@example.test",
                        "v=0\r\nm=audio 4000 RTP/AVP 0\r\n",
                        ref("park-sip"),
                        "call-9@192.0.2.9",
                        ref("take-reply")));
        s.put("park.peers.HangUp", new io.switchboard.park.sip.ParkPeers.HangUp("call-9@192.0.2.9"));
        s.put("park.peers.NotHeld", new io.switchboard.park.sip.ParkPeers.NotHeld());
        s.put("park.peers.RingBack", new io.switchboard.park.sip.ParkPeers.RingBack("call-1@192.0.2.1", call, 1));
        s.put(
                "park.peers.GaveUp",
                new io.switchboard.park.sip.ParkPeers.GaveUp(
                        "call-1@192.0.2.1", call, Optional.of("sip:operator@example.test")));
        s.put(
                "park.peers.Joined",
                new io.switchboard.park.sip.ParkPeers.Joined("call-1@192.0.2.1", "v=0\r\nm=audio 5000 RTP/AVP 0\r\n"));
        s.put(
                "park.peers.Failed",
                new io.switchboard.park.sip.ParkPeers.Failed(480, "The parked caller did not take the call"));
        io.switchboard.park.domain.CallerHold hold = new io.switchboard.park.domain.CallerHold(
                "pekko://switchboard@192.0.2.1:2551#42",
                "udp",
                "call-1@192.0.2.1",
                "0123456789abcdef0123456789abcdef",
                "bobtag",
                "sip:park@example.test",
                "sip:bob@example.test",
                "sip:bob@192.0.2.7:5062",
                List.of("<sip:192.0.2.9;lr>"),
                1000,
                "192.0.2.7",
                40000,
                0,
                "v=0\r\nm=audio 40000 RTP/AVP 0\r\n",
                Instant.parse("2026-12-05T08:00:00.020Z"),
                0,
                "192.0.2.1",
                1_764_921_600_020L,
                1_764_921_600_020L);
        s.put("park.ParkHeld", new ParkedCallEntity.ParkHeld(request, hold, ref("park-reply")));
        s.put(
                "park.TakeOver",
                new ParkedCallEntity.TakeOver(
                        "pekko://switchboard@192.0.2.1:2551#42",
                        "pekko://switchboard@192.0.2.2:2551#43",
                        ref("takeover-reply")));
        s.put(
                "park.TakenOver",
                new ParkedCallEntity.TakenOver(call, hold.takenBy("pekko://switchboard@192.0.2.2:2551#43")));
        s.put("park.HeldElsewhere", new ParkedCallEntity.HeldElsewhere("pekko://switchboard@192.0.2.2:2551#43"));
    }

    /** The conferencing focus's messages (ids 650-699). Sets hold at most one element, for stable bytes. */
    private static void conferenceSamples(Map<String, Object> s) {
        Instant at = Instant.parse("2026-12-05T08:00:00Z");
        Conference scheduled = new Conference(
                "abcdefghijklmnopqrst",
                "example.test",
                "4711001",
                "sip:alice@example.test",
                "Weekly sync",
                AccessType.INVITED,
                Set.of("sip:bob@example.test"),
                Presenters.ORGANIZER_ONLY,
                true,
                250,
                new Expiry.Scheduled(at.plusSeconds(3600), Duration.ofDays(14)),
                at);
        Conference adHoc = new Conference(
                "bcdefghijklmnopqrstu",
                "example.test",
                "4711002",
                "sip:alice@example.test",
                "",
                AccessType.OPEN,
                Set.of(),
                new Presenters(true, Set.of("sip:erin@partner.example")),
                false,
                10,
                new Expiry.AdHoc(Duration.ofMinutes(5)),
                at);
        Participant alice = new Participant(
                "leg-1",
                "sip:alice@example.test",
                JoinerKind.OUR_USER,
                Role.PRESENTER,
                ParticipantStatus.CONNECTED,
                null,
                at);
        Participant erin = new Participant(
                "leg-2",
                "sip:erin@partner.example",
                JoinerKind.FEDERATED,
                Role.ATTENDEE,
                ParticipantStatus.PENDING,
                LobbyReason.NOT_INVITED,
                at.plusSeconds(1));
        Map<String, Participant> legs = new LinkedHashMap<>();
        legs.put("leg-1", alice);
        legs.put("leg-2", erin);
        Roster roster = new Roster(3, true, false, null, legs);
        Actor operator = new Actor.Operator("ops");
        Actor user = new Actor.User("sip:alice@example.test");
        s.put("conference.Create", new ConferenceEntity.Create(scheduled, ref("create-reply")));
        s.put(
                "conference.Join",
                new ConferenceEntity.Join("leg-2", Joiner.federated("sip:erin@partner.example"), ref("join-reply")));
        s.put("conference.Leave", new ConferenceEntity.Leave("leg-2", ref("change-reply")));
        s.put("conference.Admit", new ConferenceEntity.Admit(user, "leg-2", ref("change-reply")));
        s.put("conference.Deny", new ConferenceEntity.Deny(operator, "leg-2", ref("change-reply")));
        s.put("conference.Eject", new ConferenceEntity.Eject(user, "leg-2", ref("change-reply")));
        s.put("conference.SetRole", new ConferenceEntity.SetRole(user, "leg-2", Role.PRESENTER, ref("change-reply")));
        s.put("conference.SetLocked", new ConferenceEntity.SetLocked(operator, true, ref("change-reply")));
        s.put("conference.End", new ConferenceEntity.End(operator, ref("change-reply")));
        s.put("conference.GetConference", new ConferenceEntity.GetConference(ref("state-reply")));
        s.put("conference.Created", new ConferenceEntity.Created(adHoc, Roster.created(at)));
        s.put(
                "conference.CreateRefused",
                new ConferenceEntity.CreateRefused(ConferenceEntity.CreateProblem.NUMBER_TAKEN, "numeric id in use"));
        s.put("conference.Admitted", new ConferenceEntity.Admitted(alice, roster));
        s.put("conference.InLobby", new ConferenceEntity.InLobby(erin, LobbyReason.NOT_INVITED, roster));
        s.put("conference.JoinRefused", new ConferenceEntity.JoinRefused(486, "Conference full (250 participants)"));
        s.put("conference.Done", new ConferenceEntity.Done(roster));
        s.put(
                "conference.ChangeRefused",
                new ConferenceEntity.ChangeRefused(403, "Only presenters may lock the conference"));
        s.put(
                "conference.Current",
                new ConferenceEntity.Current(
                        scheduled.id(), Optional.of(new ConferenceStore.Stored(scheduled, roster))));
        s.put("conference.Current.empty", new ConferenceEntity.Current("cdefghijklmnopqrstuv", Optional.empty()));
        s.put("conference.Unavailable", new ConferenceEntity.Unavailable("Conference store unavailable"));
        s.put("conference.UseMixer", new ConferenceEntity.UseMixer("sip:mixer@10.0.0.5:5060", ref("mixer-reply")));
        s.put("conference.MixerChosen", new ConferenceEntity.MixerChosen("sip:mixer@10.0.0.5:5060"));
        s.put(
                "conference.MoveMixer",
                new ConferenceEntity.MoveMixer(
                        "sip:mixer@10.0.0.5:5060", "sip:mixer@10.0.0.6:5060", ref("mixer-reply")));
        s.put(
                "conference.MoveMixer.toNone",
                new ConferenceEntity.MoveMixer("sip:mixer@10.0.0.5:5060", null, ref("mixer-reply")));
        s.put("conference.GetMixer", new ConferenceEntity.GetMixer(ref("mixer-reply")));
        s.put("conference.MixerChosen.none", new ConferenceEntity.MixerChosen(null));
        s.put(
                "conference.Release",
                new io.switchboard.conference.sip.DialogHandover.Release(
                        io.switchboard.conference.sip.DialogHandover.LEG, "leg-1@phone", ref("release-reply")));
        s.put("conference.Released", new io.switchboard.conference.sip.DialogHandover.Released("leg-1@phone", true));
        s.put("conference.Acked", new io.switchboard.conference.sip.DialogHandover.Acked("leg-1@phone"));
        s.put(
                "conference.DialOut",
                new ConferenceEntity.DialOut(
                        user, "dialout-1@focus", Joiner.ourUser("sip:carol@example.test"), ref("join-reply")));
        s.put(
                "conference.DialOutAnswered",
                new ConferenceEntity.DialOutAnswered("dialout-1@focus", ref("change-reply")));
        s.put(
                "conference.Admitted.dialingOut",
                new ConferenceEntity.Admitted(
                        new Participant(
                                "dialout-1@focus",
                                "sip:carol@example.test",
                                JoinerKind.OUR_USER,
                                Role.ATTENDEE,
                                ParticipantStatus.DIALING_OUT,
                                null,
                                at),
                        Roster.created(at)));
    }
}
