package io.switchboard.node;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.accounts.store.CassandraAuthFailureStore;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.sip.auth.AuthThrottle;
import io.switchboard.sip.auth.DigestChallenger;
import io.switchboard.sip.auth.DigestVerifier;
import io.switchboard.sip.auth.NonceService;
import java.nio.charset.StandardCharsets;

/**
 * What SIP Digest and the users' HTTP Digest interface share: the node secret, the nonces and
 * one throttle (one password, one budget).
 *
 * @param secret the node secret ({@code switchboard.sip.secret}): nonces, GRUUs, flow tokens, Record-Route
 */
record NodeAuth(NodeConfig.Auth settings, byte[] secret, NonceService nonces, AuthThrottle throttle) {

    static NodeAuth of(NodeConfig config, CqlSession session, NodeMetrics metrics) {
        byte[] secret = config.sip().secret().getBytes(StandardCharsets.UTF_8);
        NonceService nonces = new NonceService(secret, config.auth().nonceLifetime());
        NodeConfig.Throttle t = config.auth().throttle();
        AuthThrottle throttle = new AuthThrottle(
                new AuthThrottle.Limits(
                        t.perAccountSource(),
                        t.perSource(),
                        t.window(),
                        t.lockout(),
                        t.poolBudget(),
                        t.poolWindow(),
                        t.knownDeviceTtl(),
                        t.maxKnownDevices()),
                AuthThrottle.DEFAULT_MAX_TRACKED_KEYS,
                metrics.authThrottleEvents(),
                // counts live two buckets, so the current bucket is never read after its rows expired
                CassandraAuthFailureStore.forSessionKeyspace(
                        session, config.nodeId(), t.poolWindow().multipliedBy(2)));
        return new NodeAuth(config.auth(), secret, nonces, throttle);
    }

    /** A new challenger with the configured digest policy (each interface has its own). */
    DigestChallenger challenger() {
        return new DigestChallenger(nonces, settings.digestPolicy());
    }

    DigestVerifier verifier() {
        return new DigestVerifier(nonces, secret);
    }
}
