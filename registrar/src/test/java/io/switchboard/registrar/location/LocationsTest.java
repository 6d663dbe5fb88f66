package io.switchboard.registrar.location;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.registrar.store.BindingStore;
import io.switchboard.sip.flow.Flow;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** A lookup gives the entity's current bindings, and fails when the entity cannot say. */
class LocationsTest {

    private static final String AOR = "sip:alice@example.test";
    private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");

    @Test
    void current_bindings_are_the_answer() {
        Binding b = new Binding(
                BindingKey.forContact("sip:alice@192.0.2.1"),
                "sip:alice@192.0.2.1",
                "call-1",
                1,
                NOW.plusSeconds(300),
                1000,
                null,
                0,
                List.of(),
                new Flow("udp", "192.0.2.1", 5060, "node-1", ""),
                "ua",
                NOW);
        Locations locations = Locations.over(answering(new RegistrarEntity.CurrentBindings(AOR, List.of(b))));
        assertThat(locations.lookup(AOR).toCompletableFuture().join()).containsExactly(b);
        assertThat(Locations.over(answering(new RegistrarEntity.CurrentBindings(AOR, List.of())))
                        .lookup(AOR)
                        .toCompletableFuture()
                        .join())
                .as("registered nowhere")
                .isEmpty();
    }

    @Test
    void stored_bindings_are_read_without_the_entity_and_expired_ones_left_out() {
        Binding live = binding("sip:alice@192.0.2.1", NOW.plusSeconds(300));
        Binding expired = binding("sip:alice@192.0.2.2", NOW.minusSeconds(1));
        BindingStore store = new BindingStore() {
            @Override
            public CompletionStage<List<Binding>> load(String aor) {
                return CompletableFuture.completedFuture(AOR.equals(aor) ? List.of(live, expired) : List.of());
            }

            @Override
            public CompletionStage<Void> write(
                    String aor, List<Binding> upserts, List<BindingKey> removals, Instant now, WriteStamp stamp) {
                throw new UnsupportedOperationException("lookups only");
            }
        };
        Locations locations = Locations.storedIn(store, Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(locations.lookup(AOR).toCompletableFuture().join()).containsExactly(live);
    }

    private static Binding binding(String contact, Instant expiresAt) {
        return new Binding(
                BindingKey.forContact(contact),
                contact,
                "call-1",
                1,
                expiresAt,
                1000,
                null,
                0,
                List.of(),
                new Flow("udp", "192.0.2.1", 5060, "node-1", ""),
                "ua",
                NOW.minusSeconds(600));
    }

    @Test
    void an_unavailable_entity_fails_the_lookup() {
        Locations locations = Locations.over(answering(new RegistrarEntity.Unavailable("loading")));
        CompletableFuture<List<Binding>> lookup = locations.lookup(AOR).toCompletableFuture();
        assertThat(lookup).isCompletedExceptionally();
        assertThat(lookup.handle((v, e) -> e.getCause()).join())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(AOR);
    }

    private static RegistrarClient answering(RegistrarEntity.BindingsReply reply) {
        return new RegistrarClient() {
            @Override
            public CompletionStage<RegistrarEntity.RegisterReply> register(RegisterRequest request) {
                throw new UnsupportedOperationException("lookups only");
            }

            @Override
            public CompletionStage<RegistrarEntity.BindingsReply> bindings(String aor) {
                return CompletableFuture.completedFuture(reply);
            }
        };
    }
}
