package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.registrar.domain.ContactSpec;
import io.switchboard.registrar.domain.Flow;
import io.switchboard.registrar.domain.RegisterDecision;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.entity.RegistrarEntity;

/** Every message that crosses nodes goes through Kryo and comes back equal (DESIGN rule 7). */
class KryoSerializerTest {

    static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.parseString("""
            pekko.actor.serializers.kryo = "io.switchboard.node.cluster.KryoSerializer"
            pekko.actor.serialization-bindings {
              "io.switchboard.registrar.entity.RegistrarEntity$Command" = kryo
              "io.switchboard.registrar.entity.RegistrarEntity$RegisterReply" = kryo
              "io.switchboard.registrar.entity.RegistrarEntity$BindingsReply" = kryo
              "io.switchboard.node.cluster.NodeInfoService$Message" = kryo
            }
            """));

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
    static final Binding BINDING = new Binding(BindingKey.forFlow("<urn:uuid:1>", 1), "sip:a@192.0.2.7:40123;transport=tcp",
            "call-1", 7, Instant.parse("2026-11-21T10:00:00.123456789Z"), 700, "<urn:uuid:1>", 1,
            List.of("<sip:edge;lr;ob>"), TCP, "Phone/1", Instant.parse("2026-11-21T09:50:00Z"));

    @Test
    void register_and_its_replies_round_trip() {
        TestProbe<RegistrarEntity.RegisterReply> probe = KIT.createTestProbe();
        RegisterRequest request = new RegisterRequest("sip:a@example.test", "call-1", 7, false,
                List.of(ContactSpec.of("sip:a@192.0.2.7").withExpires(600).withQ(700).withInstance("<urn:uuid:1>", 1),
                        ContactSpec.of("sip:a@192.0.2.8")),
                OptionalLong.of(600), List.of(), true, TCP, "Phone/1");
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
    void lookups_round_trip() {
        TestProbe<RegistrarEntity.BindingsReply> probe = KIT.createTestProbe();
        RegistrarEntity.GetBindings get = new RegistrarEntity.GetBindings(probe.getRef());
        assertThat(roundTrip(get)).isEqualTo(get);
        RegistrarEntity.CurrentBindings current = new RegistrarEntity.CurrentBindings("sip:a@example.test", List.of(BINDING, BINDING));
        assertThat(roundTrip(current)).isEqualTo(current);
        RegistrarEntity.CurrentBindings none = new RegistrarEntity.CurrentBindings("sip:a@example.test", List.of());
        assertThat(roundTrip(none)).isEqualTo(none);
    }

    @Test
    void node_info_round_trips() {
        TestProbe<NodeInfoService.NodeInfo> probe = KIT.createTestProbe();
        NodeInfoService.GetNodeInfo get = new NodeInfoService.GetNodeInfo(probe.getRef());
        assertThat(roundTrip(get)).isEqualTo(get);
        NodeInfoService.NodeInfo info = new NodeInfoService.NodeInfo("node-2", "127.0.0.2:5060", "http://127.0.0.2:8081", 1234L);
        assertThat(roundTrip(info)).isEqualTo(info);
    }

    @Test
    void unregistered_classes_fail_loudly() {
        KryoSerializer serializer = new KryoSerializer((ExtendedActorSystem) Adapter.toClassic(KIT.system()));
        assertThatThrownBy(() -> serializer.toBinary(new java.util.HashMap<String, String>()))
                .hasMessageContaining("Class is not registered");
    }
}
