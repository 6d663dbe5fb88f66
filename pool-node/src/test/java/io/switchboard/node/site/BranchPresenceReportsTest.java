package io.switchboard.node.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.config.SitesConfig;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.PublishRequest;
import io.switchboard.presence.entity.Endpoint;
import io.switchboard.presence.entity.PresentityClient;
import io.switchboard.presence.entity.PresentityEntity;
import io.switchboard.registrar.domain.Binding;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.SipFactory;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;

/** A pool node takes registration reports only from a branch node about its own user (README, "Sites and branches"). */
class BranchPresenceReportsTest {

    static final String CALL_ID = "reg-77aa@10.20.0.5";
    static final String TAG = "9f1c";
    static final String TYPE = "Content-Type: application/x-switchboard-endpoints\r\n";

    final SiteRoutingTest.Accounts directory = new SiteRoutingTest.Accounts();
    final Map<String, List<Endpoint>> told = new ConcurrentHashMap<>();
    final Binding atPool = SiteRoutingTest.binding("sip:anna@192.0.2.7:5060");
    final BranchPresenceReports reports;

    BranchPresenceReportsTest() {
        directory.put(SiteRoutingTest.account("anna", "ams"));
        directory.put(SiteRoutingTest.account("bea", "ams"));
        directory.put(SiteRoutingTest.account("polly", ""));
        SitesConfig sites = new SitesConfig(
                "pool", Optional.of("dc1"), 3, List.of(new SitesConfig.Branch("ams", "ams", "10.20.0.5", 5060)));
        reports = new BranchPresenceReports(
                new BranchVouching(sites, BranchVouchingTest.POOL, new HomeSites(directory, Set.of("ams"))),
                aor -> CompletableFuture.completedFuture(
                        aor.equals("sip:anna@example.test") ? List.of(atPool) : List.of()),
                new Told());
    }

    @Test
    void its_branch_nodes_report_sets_her_endpoints_with_those_she_registered_at_the_pool() throws Exception {
        Endpoint desk = new Endpoint("udp:10.20.1.9:5060 contact=sip:anna@10.20.1.9:5060", Instant.ofEpochMilli(1000));
        Request report = report("anna", "anna", signed(), TYPE, RegistrationReport.write(List.of(desk)));
        assertThat(reports.handles(report)).isTrue();
        assertThat(answer(report).status()).isEqualTo(200);
        List<Endpoint> endpoints = told.get("sip:anna@example.test");
        assertThat(endpoints).hasSize(2);
        assertThat(endpoints.get(0)).isEqualTo(desk);
        assertThat(endpoints.get(1).key()).as("her binding at the pool").contains("contact=sip:anna@192.0.2.7:5060");

        // an empty set: no endpoint at the branch, only the pool's own row is left
        assertThat(answer(report("anna", "anna", signed(), TYPE, "")).status()).isEqualTo(200);
        assertThat(told.get("sip:anna@example.test"))
                .singleElement()
                .satisfies(e -> assertThat(e.key()).contains("192.0.2.7"));
    }

    @Test
    void anyone_else_is_refused_and_nothing_changes() throws Exception {
        String body = RegistrationReport.write(List.of(new Endpoint("udp:10.0.0.9:5060", Instant.ofEpochMilli(1))));
        // about another user (her fellow branch user), an unsigned Record-Route, none, a pool user
        assertThat(answer(report("anna", "bea", signed(), TYPE, body)).status()).isEqualTo(403);
        assertThat(answer(report("anna", "anna", "Record-Route: <sip:10.20.0.5:5060;lr;sbsig=x>\r\n", TYPE, body))
                        .status())
                .isEqualTo(403);
        assertThat(answer(report("anna", "anna", "", TYPE, body)).status()).isEqualTo(403);
        assertThat(answer(report("polly", "polly", signed(), TYPE, body)).status())
                .isEqualTo(403);
        assertThat(told).isEmpty();
        // vouched for, but not a report
        assertThat(answer(report("anna", "anna", signed(), "Content-Type: application/pidf+xml\r\n", body))
                        .status())
                .isEqualTo(415);
        assertThat(answer(report("anna", "anna", signed(), TYPE, "soon udp:10.0.0.9:5060"))
                        .status())
                .isEqualTo(400);
        assertThat(told).isEmpty();
    }

    @Test
    void only_a_publish_of_the_reg_event_outside_a_dialog_is_a_report() throws Exception {
        String rr = signed();
        assertThat(reports.handles(report("anna", "anna", rr, TYPE, ""))).isTrue();
        assertThat(reports.handles(request("PUBLISH", "anna", "anna", "", "Event: presence\r\n" + rr)))
                .isFalse();
        assertThat(reports.handles(request("PUBLISH", "anna", "anna", ";tag=in-dialog", "Event: reg\r\n" + rr)))
                .isFalse();
        assertThat(reports.handles(request("MESSAGE", "anna", "anna", "", "Event: reg\r\n" + rr)))
                .isFalse();
    }

    BranchPresenceReports.Answer answer(Request report) {
        return reports.handle(report).toCompletableFuture().join();
    }

    static String signed() {
        return "Record-Route: <sip:10.20.0.5:5060;transport=udp;lr;sbsig=" + BranchVouchingTest.POOL.sign(CALL_ID, TAG)
                + ">\r\n";
    }

    static Request report(String from, String to, String recordRoute, String type, String body) throws Exception {
        return request("PUBLISH", from, to, "", "Event: reg\r\n" + recordRoute + type, body);
    }

    static Request request(String method, String from, String to, String toTag, String extra) throws Exception {
        return request(method, from, to, toTag, extra, "");
    }

    static Request request(String method, String from, String to, String toTag, String extra, String body)
            throws Exception {
        return SipFactory.getInstance()
                .createMessageFactory()
                .createRequest(method + " sip:" + to + "@example.test SIP/2.0\r\n"
                        + "Via: SIP/2.0/UDP 10.20.0.5:5060;branch=z9hG4bKrg1\r\n"
                        + "Max-Forwards: 70\r\n"
                        + "From: <sip:" + from + "@example.test>;tag=" + TAG + "\r\n"
                        + "To: <sip:" + to + "@example.test>" + toTag + "\r\n"
                        + "Call-ID: " + CALL_ID + "\r\n"
                        + "CSeq: 1 " + method + "\r\n"
                        + extra
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n"
                        + body);
    }

    /** The presentities as the reports reach them: only endpointsChanged is expected. */
    final class Told implements PresentityClient {
        @Override
        public void endpointsChanged(String presentity, List<Endpoint> endpoints) {
            told.put(presentity, endpoints);
        }

        @Override
        public CompletionStage<PresentityEntity.WatchReply> watch(String p, String w, Instant expiresAt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void unwatch(String p, String w) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void ack(String p, String w, long version) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<PresentityEntity.ViewReply> view(String p, String w) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<PresentityEntity.PublishReply> publish(String p, PublishRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<PresentityEntity.AccessReply> access(String p) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<PresentityEntity.AccessReply> setAccess(String p, String key, AccessLevel level) {
            throw new UnsupportedOperationException();
        }
    }
}
