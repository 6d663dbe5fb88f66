package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AvailabilityConfigTest {

    @Test
    void defaults() {
        AvailabilityConfig a = AvailabilityConfig.of(NodeConfig.fromString(""));
        assertThat(a.budget().askTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(a.budget().writeTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(a.budget().answerBy(Instant.EPOCH))
                .as("5 s ask - 2 s write - 1 s margin")
                .isEqualTo(Instant.EPOCH.plusSeconds(2));
        assertThat(a.warmUpRounds()).isEqualTo(20);
        assertThat(a.normalRounds()).isEqualTo(5);
        assertThat(a.normalLatency()).isEqualTo(Duration.ofMillis(250));
        assertThat(a.retryAfter()).isEqualTo(Duration.ofSeconds(2));
        assertThat(a.registersInFlight()).isEqualTo(1000);
        assertThat(a.inFlight())
                .containsOnlyKeys(io.switchboard.node.routing.WorkClass.values())
                .allSatisfy((c, n) -> assertThat(n)
                        .as(c.key())
                        .isEqualTo(
                                c == io.switchboard.node.routing.WorkClass.SUBSCRIBE
                                                || c == io.switchboard.node.routing.WorkClass.PUBLISH
                                        ? 250
                                        : 1000));
        assertThat(AvailabilityConfig.of(
                                NodeConfig.fromString(
                                        "switchboard.availability.admission { invites-in-flight = 2, publishes-in-flight = 0 }"))
                        .inFlight())
                .containsEntry(io.switchboard.node.routing.WorkClass.INVITE, 2)
                .containsEntry(io.switchboard.node.routing.WorkClass.PUBLISH, 0)
                .containsEntry(io.switchboard.node.routing.WorkClass.MESSAGE, 1000);
        assertThat(a.load().queueWaitMillis()).isEqualTo(50);
        assertThat(a.load().queueWaitCredentialsMillis()).isEqualTo(250);
        AvailabilityConfig bounded =
                AvailabilityConfig.of(NodeConfig.fromString("switchboard.sip.max-server-transactions = 1000\n"
                        + "switchboard.availability.admission { queue-wait = 0s, queue-wait-credentials = 0s }"));
        assertThat(bounded.load())
                .as("80% and 90% of the stack's bound; queue waits off; the heap's defaults")
                .isEqualTo(new io.switchboard.node.routing.AdmissionRules.LoadLimits(0, 0, 800, 900, 80, 90));
        assertThat(a.sendDeadlines()).isTrue();
        assertThat(AvailabilityConfig.of(NodeConfig.fromString("switchboard.availability.send-deadlines = false"))
                        .sendDeadlines())
                .isFalse();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "switchboard.availability.write-timeout = 5s            | switchboard.availability.write-timeout",
                "switchboard.registrar.ask-timeout = 3s                 | switchboard.availability.write-timeout",
                "switchboard.availability.warm-up.normal-rounds = 21    | switchboard.availability.warm-up.normal-rounds",
                "switchboard.availability.warm-up.rounds = 0            | switchboard.availability.warm-up.rounds",
                "switchboard.availability.warm-up.sip-requests = -1     | switchboard.availability.warm-up.sip-requests",
                "switchboard.availability.warm-up.sip-requests = many   | switchboard.availability.warm-up.sip-requests",
                "switchboard.availability.warm-up.every-shard = maybe   | switchboard.availability.warm-up.every-shard",
                "switchboard.availability.retry-after = 2h              | switchboard.availability.retry-after",
                "switchboard.availability.admission.registers-in-flight = -1 | switchboard.availability.admission.registers-in-flight",
                "switchboard.availability.admission.invites-in-flight = -1   | switchboard.availability.admission.invites-in-flight",
                "switchboard.availability.admission.messages-in-flight = x   | switchboard.availability.admission.messages-in-flight",
                "switchboard.availability.admission.subscribes-in-flight = -2 | switchboard.availability.admission.subscribes-in-flight",
                "switchboard.availability.admission.publishes-in-flight = 20000000 | switchboard.availability.admission.publishes-in-flight",
                "switchboard.availability.admission.queue-wait = -1s    | switchboard.availability.admission.queue-wait",
                "switchboard.availability.admission.queue-wait = soon   | switchboard.availability.admission.queue-wait",
                "switchboard.availability.admission.queue-wait-credentials = 10ms | switchboard.availability.admission.queue-wait-credentials",
                "switchboard.availability.admission { queue-wait = 0s, queue-wait-credentials = 1s } | switchboard.availability.admission.queue-wait-credentials",
                "switchboard.availability.admission.heap-percent = 101  | switchboard.availability.admission.heap-percent",
                "switchboard.availability.admission.heap-percent = -1   | switchboard.availability.admission.heap-percent",
                "switchboard.availability.admission.heap-percent-credentials = 60 | switchboard.availability.admission.heap-percent-credentials",
                "switchboard.availability.admission { heap-percent = 0, heap-percent-credentials = 90 } | switchboard.availability.admission.heap-percent-credentials",
            })
    void a_bad_value_names_its_key(String hocon, String key) {
        assertThatThrownBy(() -> AvailabilityConfig.of(NodeConfig.fromString(hocon)))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining(key);
    }
}
