package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.junit.jupiter.api.Test;

/**
 * A rolling upgrade with a changed message (issue 16, item 6): version N and version N+1 of a
 * message, registered under the same id on two nodes' Kryo instances, read each other's bytes.
 * Components added in N+1 arrive at N and are skipped; N's messages arrive at N+1 with the new
 * components empty. The real registrations are checked too: every class of ours that crosses
 * nodes is a record (tagged, so it can evolve) or an enum.
 */
class TaggedRecordSerializerTest {

    /** Version N of a message. */
    record PublishV1(String aor, int expires, List<String> phones) {}

    /** Version N+1: two components added (one between the old ones by name), one removed ({@code phones}). */
    record PublishV2(
            String aor, int expires, Optional<String> note, OptionalLong deadline, List<String> tags, boolean urgent) {}

    /** A nested message of version N+1, inside a list. */
    record Batch(List<PublishV2> items, Map<String, String> extra) {}

    record Batch1(List<PublishV1> items) {}

    private static Kryo kryo(Class<?> publish, Class<?> batch) {
        Kryo kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        kryo.addDefaultSerializer(
                Record.class, new com.esotericsoftware.kryo.SerializerFactory.BaseSerializerFactory<>() {
                    @Override
                    @SuppressWarnings({"unchecked", "rawtypes"})
                    public com.esotericsoftware.kryo.Serializer newSerializer(Kryo k, Class type) {
                        return new TaggedRecordSerializer(type);
                    }
                });
        kryo.register(ArrayList.class, 25);
        kryo.register(Optional.class, 40);
        kryo.register(OptionalLong.class, 41);
        kryo.register(java.util.HashMap.class, 42);
        kryo.register(publish, 900);
        kryo.register(batch, 901);
        return kryo;
    }

    private static final Kryo NODE_N = kryo(PublishV1.class, Batch1.class);
    private static final Kryo NODE_N1 = kryo(PublishV2.class, Batch.class);

    private static byte[] write(Kryo kryo, Object message) {
        Output out = new Output(256, -1);
        kryo.writeClassAndObject(out, message);
        return out.toBytes();
    }

    private static Object read(Kryo kryo, byte[] bytes) {
        return kryo.readClassAndObject(new Input(bytes));
    }

    @Test
    void a_message_of_the_next_version_is_read_by_a_node_of_this_one() {
        PublishV2 sent = new PublishV2("sip:a@example.test", 600, Optional.empty(), OptionalLong.empty(), null, true);
        Object got = read(NODE_N, write(NODE_N1, sent));
        assertThat(got).isEqualTo(new PublishV1("sip:a@example.test", 600, List.of()));
    }

    @Test
    void a_message_of_the_last_version_is_read_by_a_node_of_this_one_with_the_new_components_empty() {
        PublishV1 sent = new PublishV1("sip:b@example.test", 3600, new ArrayList<>(List.of("tel:+1555")));
        Object got = read(NODE_N1, write(NODE_N, sent));
        assertThat(got)
                .isEqualTo(new PublishV2(
                        "sip:b@example.test", 3600, Optional.empty(), OptionalLong.empty(), List.of(), false));
    }

    @Test
    void nested_messages_evolve_too() {
        Batch sent = new Batch(
                new ArrayList<>(List.of(
                        new PublishV2("sip:c@example.test", 60, Optional.of("n"), OptionalLong.of(5), null, false))),
                null);
        Object got = read(NODE_N, write(NODE_N1, sent));
        assertThat(got).isEqualTo(new Batch1(List.of(new PublishV1("sip:c@example.test", 60, List.of()))));
    }

    @Test
    void the_same_version_round_trips_exactly() {
        PublishV1 sent = new PublishV1("sip:d@example.test", 1, new ArrayList<>(List.of("x", "y")));
        assertThat(read(NODE_N, write(NODE_N, sent))).isEqualTo(sent);
    }

    /** A component whose type changed is not an evolution the format allows, and says so instead of misreading. */
    record PublishTypeChanged(String aor, String expires, List<String> phones) {}

    @Test
    void a_component_that_changed_its_type_fails_loudly() {
        Kryo changed = kryo(PublishTypeChanged.class, Batch1.class);
        byte[] bytes = write(changed, new PublishTypeChanged("sip:e@example.test", "a long string, not an int", null));
        assertThatThrownBy(() -> read(NODE_N, bytes)).isInstanceOf(KryoException.class);
    }

    @Test
    void every_class_of_ours_that_crosses_nodes_is_a_record_or_an_enum() {
        ActorTestKit kit = ActorTestKit.create(
                "tagged", ConfigFactory.parseString("pekko.actor {\n" + PekkoSettings.SERIALIZATION + "}"));
        try {
            Kryo kryo = KryoRegistrations.newKryo((ExtendedActorSystem) Adapter.toClassic(kit.system()));
            List<String> notEvolvable = new ArrayList<>();
            for (int id = 0; id < 2_000; id++) {
                Registration r = kryo.getRegistration(id);
                if (r == null || !r.getType().getName().startsWith("io.switchboard.")) {
                    continue;
                }
                Class<?> type = r.getType();
                boolean ok = type.isEnum()
                        || (type.getSuperclass() != null && type.getSuperclass().isEnum())
                        || (type.isRecord() && r.getSerializer() instanceof TaggedRecordSerializer)
                        // a value whose encoding is one number and does not evolve, like Instant's
                        || (type == io.switchboard.entity.TimeLeft.class
                                && r.getSerializer() instanceof KryoRegistrations.TimeLeftSerializer);
                if (!ok) {
                    notEvolvable.add(id + " " + type.getName() + " ("
                            + r.getSerializer().getClass().getSimpleName() + ")");
                }
            }
            assertThat(notEvolvable).isEmpty();
        } finally {
            kit.shutdownTestKit();
        }
    }
}
