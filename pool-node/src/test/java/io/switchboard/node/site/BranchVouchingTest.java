package io.switchboard.node.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.config.SitesConfig;
import io.switchboard.sip.routing.RecordRouteSigner;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sip.SipFactory;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When a pool node takes a request as authenticated by a branch node (README, "Sites and branches"). */
class BranchVouchingTest {

    static final String CALL_ID = "843817637684230@998sdasdh09";
    static final String FROM_TAG = "456248";
    static final RecordRouteSigner POOL =
            new RecordRouteSigner("pool-secret-0123456789".getBytes(StandardCharsets.UTF_8));
    static final RecordRouteSigner STRANGER =
            new RecordRouteSigner("not-the-pool-secret-012".getBytes(StandardCharsets.UTF_8));

    final SiteRoutingTest.Accounts directory = new SiteRoutingTest.Accounts();
    final BranchVouching vouching;

    BranchVouchingTest() {
        directory.put(SiteRoutingTest.account("anna", "ams"));
        directory.put(SiteRoutingTest.account("nils", "nyc"));
        directory.put(SiteRoutingTest.account("polly", ""));
        SitesConfig sites = new SitesConfig(
                "pool",
                Optional.of("dc1"),
                3,
                List.of(
                        new SitesConfig.Branch("ams", "ams", "10.20.0.5", 5060),
                        new SitesConfig.Branch("nyc", "nyc", "10.30.0.5", 5070)));
        vouching = new BranchVouching(sites, POOL, new HomeSites(directory, Set.of("ams", "nyc")));
    }

    @Test
    void a_request_its_branch_node_forwarded_for_its_own_user_is_vouched_for() throws Exception {
        Request r =
                invite("anna", "Record-Route: <sip:10.20.0.5:5060;lr;sbsig=" + POOL.sign(CALL_ID, FROM_TAG) + ">\r\n");
        assertThat(vouching.apply(r).toCompletableFuture().join()).contains("sip:anna@example.test");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "no Record-Route                  | anna  | ",
                "not a branch node's address      | anna  | sip:10.20.0.6:5060;lr;sbsig=POOL",
                "a branch node's host, other port | anna  | sip:10.20.0.5:5070;lr;sbsig=POOL",
                "no signature                     | anna  | sip:10.20.0.5:5060;lr",
                "signed without the pool secret   | anna  | sip:10.20.0.5:5060;lr;sbsig=STRANGER",
                "signed for another dialog        | anna  | sip:10.20.0.5:5060;lr;sbsig=OTHER",
                "a pool user                      | polly | sip:10.20.0.5:5060;lr;sbsig=POOL",
                "another branch's user            | nils  | sip:10.20.0.5:5060;lr;sbsig=POOL",
                "no such user                     | zed   | sip:10.20.0.5:5060;lr;sbsig=POOL",
            })
    void anything_else_is_authenticated_by_digest(String why, String user, String recordRoute) throws Exception {
        String rr = recordRoute == null
                ? ""
                : "Record-Route: <"
                        + recordRoute
                                .replace("sbsig=POOL", "sbsig=" + POOL.sign(CALL_ID, FROM_TAG))
                                .replace("sbsig=STRANGER", "sbsig=" + STRANGER.sign(CALL_ID, FROM_TAG))
                                .replace("sbsig=OTHER", "sbsig=" + POOL.sign("other-call", FROM_TAG))
                        + ">\r\n";
        assertThat(vouching.apply(invite(user, rr)).toCompletableFuture().join())
                .as(why)
                .isEmpty();
    }

    static Request invite(String user, String extra) throws Exception {
        return SipFactory.getInstance()
                .createMessageFactory()
                .createRequest("INVITE sip:polly@example.test SIP/2.0\r\n"
                        + "Via: SIP/2.0/UDP 10.20.0.5:5060;branch=z9hG4bK776asdhds\r\n"
                        + "Max-Forwards: 69\r\n"
                        + "To: <sip:polly@example.test>\r\n"
                        + "From: <sip:" + user + "@Example.Test>;tag=" + FROM_TAG + "\r\n"
                        + "Call-ID: " + CALL_ID + "\r\n"
                        + "CSeq: 1 INVITE\r\n"
                        + "Contact: <sip:" + user + "@10.20.0.50:5060>\r\n"
                        + extra
                        + "Content-Length: 0\r\n\r\n");
    }
}
