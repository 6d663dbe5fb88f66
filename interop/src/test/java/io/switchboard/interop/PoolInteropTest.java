package io.switchboard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.SwitchboardNode;
import io.switchboard.node.TestNodes;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes of one pool: a user registered on both clients rings both and the one that does not
 * answer gets CANCEL (RFC 3261 16.7 step 10); calls between clients registered on different
 * nodes.
 */
class PoolInteropTest extends InteropTestBase {

    private SwitchboardNode node2;

    @Override
    String keyspace() {
        return "interop_pool";
    }

    @Override
    String[] binaries() {
        return new String[] {Baresip.BINARY, Linphonec.BINARY};
    }

    @Override
    SwitchboardNode startNodes() {
        SwitchboardNode[] pair = TestNodes.startPair(keyspace(), InteropNode.HOCON);
        node2 = pair[1];
        return pair[0];
    }

    @AfterAll
    void stopNode2() {
        if (node2 != null) {
            node2.close();
        }
    }

    @Test
    void a_user_on_both_clients_rings_both_and_the_loser_gets_cancel() throws Exception {
        Baresip loser = stopAfter(Baresip.start(testDir("fork"), "sara", "udp", port("udp"), List.of(), false));
        Linphonec winner = stopAfter(Linphonec.start(testDir("fork"), "sara", "tcp", port("tcp"), List.of()));
        winner.autoAnswer();
        Baresip caller = stopAfter(Baresip.start(testDir("fork"), "tom", "udp", port("udp"), List.of()));
        loser.awaitRegistered(SHORT);
        winner.awaitRegistered(SHORT);
        awaitBindings(node, "sip:sara@example.test", b -> b.size() == 2, "two bindings");
        caller.awaitRegistered(SHORT);

        caller.dial("sip:sara@example.test");
        SipTrace.Message invite =
                loser.awaitMessage(m -> m.incoming() && m.isRequest("INVITE"), SHORT, "the forked INVITE");
        String callId = invite.callId();
        loser.awaitMessage(m -> !m.incoming() && m.isResponse(180, "INVITE"), SHORT, "its 180 Ringing");
        winner.awaitMessage(
                m -> !m.incoming() && m.isResponse(200, "INVITE") && callId.equals(m.callId()), SHORT, "its 200");
        loser.awaitMessage(
                m -> m.incoming() && m.isRequest("CANCEL") && callId.equals(m.callId()), SHORT, "the CANCEL");
        loser.awaitMessage(m -> !m.incoming() && m.isResponse(487, "INVITE"), SHORT, "its 487");
        winner.awaitMessage(
                m -> m.incoming() && m.isRequest("ACK") && callId.equals(m.callId()), SHORT, "the ACK for its 200");
        assertThat(caller.count(m -> m.incoming() && m.isResponse(487, "INVITE")))
                .as("the loser's 487 stays in the proxy (RFC 3261 16.7 step 6)")
                .isZero();

        caller.hangup();
        winner.awaitMessage(
                m -> m.incoming() && m.isRequest("BYE") && callId.equals(m.callId()), SHORT, "the caller's BYE");
    }

    @Test
    void baresip_on_node_1_calls_baresip_on_node_2() throws Exception {
        Baresip callee = stopAfter(Baresip.start(testDir("b1-b2"), "erin", "tcp", port(node2, "tcp"), List.of()));
        Baresip caller = stopAfter(Baresip.start(testDir("b1-b2"), "frank", "udp", port("udp"), List.of()));
        CallInteropTest.call(caller, callee, CallInteropTest.SHORT_HOLD);
    }

    @Test
    void baresip_on_node_1_calls_linphonec_on_node_2() throws Exception {
        Linphonec callee = stopAfter(Linphonec.start(testDir("b1-l2"), "bob", "tcp", port(node2, "tcp"), List.of()));
        callee.autoAnswer();
        Baresip caller = stopAfter(Baresip.start(testDir("b1-l2"), "alice", "udp", port("udp"), List.of()));
        CallInteropTest.call(caller, callee, CallInteropTest.SHORT_HOLD);
    }

    @Test
    void linphonec_on_node_2_calls_baresip_on_node_1() throws Exception {
        Baresip callee = stopAfter(Baresip.start(testDir("l2-b1"), "carol", "tcp", port("tcp"), List.of()));
        Linphonec caller = stopAfter(Linphonec.start(testDir("l2-b1"), "dave", "tcp", port(node2, "tcp"), List.of()));
        CallInteropTest.call(caller, callee, CallInteropTest.SHORT_HOLD);
    }
}
