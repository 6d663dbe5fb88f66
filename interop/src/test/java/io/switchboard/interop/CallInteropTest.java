package io.switchboard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Calls between baresip and linphonec through one node, auto-answered and ended with BYE, and
 * MESSAGE both ways. The ACK's delivery is proven from the callee's own packet view: the ACK for
 * its 200 arrives, and the callee sends no further 200 for the INVITE while the call is held
 * (RFC 3261 13.3.1.4: a UAS retransmits its 2xx until the ACK comes, for 64*T1 = 32 s, then ends
 * the call with BYE).
 */
class CallInteropTest extends InteropTestBase {

    /** Longer than the 32 s a UAS keeps retransmitting an unacknowledged 2xx before it hangs up. */
    static final Duration LONG_HOLD = Duration.ofSeconds(41);
    /** Past a UAS's first 2xx retransmissions (T1 = 500 ms, doubling). */
    static final Duration SHORT_HOLD = Duration.ofSeconds(4);

    @Override
    String keyspace() {
        return "interop_calls";
    }

    @Override
    String[] binaries() {
        return new String[] {Baresip.BINARY, Linphonec.BINARY};
    }

    @Test
    void linphonec_calls_baresip_over_udp() throws Exception {
        Baresip callee = stopAfter(Baresip.start(testDir("l2b-udp"), "frank", "udp", port("udp"), List.of()));
        Linphonec caller = stopAfter(Linphonec.start(testDir("l2b-udp"), "erin", "udp", port("udp"), List.of()));
        call(caller, callee, SHORT_HOLD);
    }

    @Test
    void baresip_calls_linphonec_over_tcp() throws Exception {
        Linphonec callee = stopAfter(Linphonec.start(testDir("b2l-tcp"), "dave", "tcp", port("tcp"), List.of()));
        callee.autoAnswer();
        Baresip caller = stopAfter(Baresip.start(testDir("b2l-tcp"), "carol", "tcp", port("tcp"), List.of()));
        call(caller, callee, SHORT_HOLD);
    }

    @Test
    void linphonec_calls_baresip_over_tcp() throws Exception {
        Baresip callee = stopAfter(Baresip.start(testDir("l2b-tcp"), "heidi", "tcp", port("tcp"), List.of()));
        Linphonec caller = stopAfter(Linphonec.start(testDir("l2b-tcp"), "grace", "tcp", port("tcp"), List.of()));
        call(caller, callee, SHORT_HOLD);
    }

    /**
     * The everyday case of issue 11: linphone on UDP answers with its GRUU as Contact, so the ACK
     * and the BYE are sent to the GRUU. The call must stay up past 32 s.
     */
    @Test
    void baresip_calls_linphonec_over_udp_and_the_call_stays_up_past_40_seconds() throws Exception {
        Linphonec callee = stopAfter(Linphonec.start(testDir("b2l-udp-long"), "bob", "udp", port("udp"), List.of()));
        callee.autoAnswer();
        Baresip caller = stopAfter(Baresip.start(testDir("b2l-udp-long"), "alice", "udp", port("udp"), List.of()));
        call(caller, callee, LONG_HOLD);
    }

    @Test
    void message_both_ways_between_baresip_and_linphonec() throws Exception {
        Linphonec l = stopAfter(Linphonec.start(testDir("message"), "judy", "udp", port("udp"), List.of()));
        Baresip b = stopAfter(
                Baresip.start(testDir("message"), "ivan", "udp", port("udp"), List.of("sip:judy@example.test")));
        b.awaitRegistered(SHORT);
        l.awaitRegistered(SHORT);

        b.message("sip:judy@example.test", "hello judy from baresip");
        SipTrace.Message toLinphone = l.awaitMessage(
                m -> m.incoming() && m.isRequest("MESSAGE") && m.text().contains("hello judy from baresip"),
                SHORT,
                "the MESSAGE from baresip");
        assertThat(toLinphone.header("From")).contains("sip:ivan@example.test");
        l.process.await("Message received from sip:ivan@example.test: hello judy from baresip", SHORT);
        b.awaitMessage(m -> m.incoming() && m.isResponse(200, "MESSAGE"), SHORT, "200 to its MESSAGE");

        l.message("sip:ivan@example.test", "hello ivan from linphone");
        SipTrace.Message toBaresip = b.awaitMessage(
                m -> m.incoming() && m.isRequest("MESSAGE") && m.text().contains("hello ivan from linphone"),
                SHORT,
                "the MESSAGE from linphonec");
        assertThat(toBaresip.header("From")).contains("sip:judy@example.test");
        l.awaitMessage(m -> m.incoming() && m.isResponse(200, "MESSAGE"), SHORT, "200 to its MESSAGE");
    }

    /**
     * {@code caller} calls {@code callee} (auto-answer); the call is held for {@code hold}, during
     * which the callee must have the ACK and send no more 200s and nobody may hang up; then the
     * caller ends it with BYE, which the callee gets and answers.
     */
    static void call(SipClient caller, SipClient callee, Duration hold) throws InterruptedException {
        callee.awaitRegistered(SHORT);
        caller.awaitRegistered(SHORT);
        caller.dial(callee.aor());

        SipTrace.Message ok =
                callee.awaitMessage(m -> !m.incoming() && m.isResponse(200, "INVITE"), SHORT, "its 200 to the INVITE");
        String callId = ok.callId();
        caller.awaitMessage(
                m -> m.incoming() && m.isResponse(200, "INVITE") && callId.equals(m.callId()),
                SHORT,
                "the callee's 200");
        // The proof: the ACK for the 2xx reaches the callee ...
        callee.awaitMessage(
                m -> m.incoming() && m.isRequest("ACK") && callId.equals(m.callId()),
                SHORT,
                "the ACK for its 200 (" + callId + ")");
        long oks = callee.count(m -> !m.incoming() && m.isResponse(200, "INVITE") && callId.equals(m.callId()));

        Thread.sleep(hold.toMillis()); // the call is held: what happens meanwhile is checked below

        // ... and the callee stops retransmitting its 200, and the call is still up
        assertThat(callee.count(m -> !m.incoming() && m.isResponse(200, "INVITE") && callId.equals(m.callId())))
                .as("%s's 200s to the INVITE after the ACK arrived (retransmitted: the ACK was not taken)", callee)
                .isEqualTo(oks);
        assertThat(callee.count(m -> m.isRequest("BYE") && callId.equals(m.callId())))
                .as("BYEs at %s while the call is held", callee)
                .isZero();
        assertThat(caller.count(m -> m.isRequest("BYE") && callId.equals(m.callId())))
                .as("BYEs at %s while the call is held", caller)
                .isZero();

        caller.hangup();
        callee.awaitMessage(
                m -> m.incoming() && m.isRequest("BYE") && callId.equals(m.callId()), SHORT, "the caller's BYE");
        caller.awaitMessage(
                m -> m.incoming() && m.isResponse(200, "BYE") && callId.equals(m.callId()), SHORT, "200 to its BYE");
    }
}
