package io.switchboard.node.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.presence.entity.Endpoint;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.entity.BindingListener;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A branch node's reports of its users' registrations to the pool (README, "Sites and branches"): what is sent when,
 * and what stays pending while the pool does not take it.
 */
class BranchPresenceRelayTest {

    static final String ANNA = "sip:anna@example.test";

    record Report(String aor, String body, Object applicationData) {}

    final List<Report> sent = new ArrayList<>();
    final AtomicBoolean poolUp = new AtomicBoolean(true);
    final List<String> toldHere = new ArrayList<>();
    final BranchPresenceRelay relay = new BranchPresenceRelay(new BindingListener() {
        @Override
        public void changed(String aor, List<Binding> before, List<Binding> after) {
            toldHere.add(aor);
        }

        @Override
        public void released(String aor, List<Binding> bindings) {}
    });

    BranchPresenceRelayTest() {
        relay.attach((aor, body, data) -> sent.add(new Report(aor, body, data)), poolUp::get, null);
    }

    @Test
    void the_first_binding_and_the_last_one_gone_are_reported_with_the_whole_set() {
        Binding desk = SiteRoutingTest.binding("sip:anna@10.0.0.1:5060");
        relay.changed(ANNA, List.of(), List.of(desk));
        assertThat(toldHere).as("the node's own listener is told too").containsExactly(ANNA);
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).aor()).isEqualTo(ANNA);
        List<Endpoint> reported = read(sent.get(0).body());
        assertThat(reported).hasSize(1);
        assertThat(reported.get(0).key()).contains("contact=sip:anna@10.0.0.1:5060");
        assertThat(BranchPresenceRelay.answered(sent.get(0).applicationData(), 200))
                .isTrue();
        assertThat(relay.pending()).isZero();

        // a refresh (same endpoints, later expiry) is no change for presence: nothing is sent
        relay.changed(ANNA, List.of(desk), List.of(SiteRoutingTest.binding("sip:anna@10.0.0.1:5060")));
        assertThat(sent).hasSize(1);

        relay.changed(ANNA, List.of(desk), List.of());
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1).body()).as("no endpoint: offline").isEmpty();
    }

    @Test
    void one_report_per_user_is_in_flight_and_the_next_carries_the_latest_set() {
        Binding desk = SiteRoutingTest.binding("sip:anna@10.0.0.1:5060");
        Binding mobile = SiteRoutingTest.binding("sip:anna@10.0.0.2:5060");
        relay.changed(ANNA, List.of(), List.of(desk));
        relay.changed(ANNA, List.of(desk), List.of(desk, mobile));
        relay.changed(ANNA, List.of(desk, mobile), List.of(mobile));
        assertThat(sent).as("the first is still unanswered").hasSize(1);
        BranchPresenceRelay.answered(sent.get(0).applicationData(), 200);
        assertThat(sent).hasSize(2);
        assertThat(read(sent.get(1).body()))
                .singleElement()
                .satisfies(e -> assertThat(e.key()).contains("10.0.0.2"));
        BranchPresenceRelay.answered(sent.get(1).applicationData(), 200);
        assertThat(relay.pending()).isZero();
    }

    @Test
    void while_the_pool_is_down_reports_wait_and_go_when_it_answers_again() {
        poolUp.set(false);
        Binding desk = SiteRoutingTest.binding("sip:anna@10.0.0.1:5060");
        relay.changed(ANNA, List.of(), List.of(desk));
        relay.changed(ANNA, List.of(desk), List.of());
        relay.changed("sip:bea@example.test", List.of(), List.of(SiteRoutingTest.binding("sip:bea@10.0.0.3:5060")));
        assertThat(sent).isEmpty();
        assertThat(relay.pending()).isEqualTo(2);

        poolUp.set(true);
        relay.poolAnswersAgain();
        assertThat(sent).extracting(Report::aor).containsExactlyInAnyOrder(ANNA, "sip:bea@example.test");
        Report anna =
                sent.stream().filter(r -> r.aor().equals(ANNA)).findFirst().orElseThrow();
        assertThat(anna.body()).as("her current state: no binding left").isEmpty();
    }

    @Test
    void a_report_the_pool_does_not_take_stays_pending_one_it_refuses_does_not() {
        relay.changed(ANNA, List.of(), List.of(SiteRoutingTest.binding("sip:anna@10.0.0.1:5060")));
        BranchPresenceRelay.answered(sent.get(0).applicationData(), 503);
        assertThat(relay.pending()).isEqualTo(1);
        BranchPresenceRelay.answered(sent.get(0).applicationData(), 100); // provisional: nothing settles
        relay.poolAnswersAgain();
        assertThat(sent).hasSize(2);
        BranchPresenceRelay.answered(sent.get(1).applicationData(), 408);
        assertThat(relay.pending()).isEqualTo(1);
        relay.poolAnswersAgain();
        BranchPresenceRelay.answered(sent.get(2).applicationData(), 403);
        assertThat(relay.pending()).as("refused for good").isZero();
        assertThat(BranchPresenceRelay.answered("someone else's transaction", 200))
                .isFalse();
    }

    @Test
    void a_report_reads_back_and_nothing_else_does() {
        List<Endpoint> endpoints = List.of(
                new Endpoint(
                        "udp:10.0.0.1:5060 contact=sip:anna@10.0.0.1:5060", Instant.ofEpochMilli(1_700_000_000_123L)),
                new Endpoint("tcp:10.0.0.2:40000 instance=urn:uuid:1", Instant.ofEpochMilli(1_700_000_001_000L)));
        assertThat(RegistrationReport.read(RegistrationReport.write(endpoints).getBytes(StandardCharsets.UTF_8)))
                .contains(endpoints);
        assertThat(RegistrationReport.read(new byte[0])).contains(List.of());
        assertThat(RegistrationReport.read("soon udp:10.0.0.1:5060".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(RegistrationReport.read("1700000000000".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
    }

    static List<Endpoint> read(String body) {
        return RegistrationReport.read(body.getBytes(StandardCharsets.UTF_8)).orElseThrow();
    }
}
