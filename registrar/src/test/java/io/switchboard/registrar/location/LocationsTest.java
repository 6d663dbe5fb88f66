package io.switchboard.registrar.location;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.sip.flow.Flow;
import java.time.Instant;
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
