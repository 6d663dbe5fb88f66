package io.switchboard.node.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The demo secret and demo admin token ({@code switchboard-defaults.conf}, {@code
 * conf/switchboard.conf}) are public: anyone who can reach a node using them can forge nonces,
 * flow tokens and GRUUs, or administer the pool. They are fine on loopback (the quick start) and
 * refused as soon as SIP or the admin port listens on any other address.
 */
final class PublicBind {

    static final String DEMO_SECRET = "switchboard-demo-secret-change-me";
    static final String DEMO_TOKEN = "switchboard-demo-admin-token";

    private PublicBind() {}

    static void refuseDemoValues(NodeConfig.Sip sip, NodeConfig.Admin admin) {
        String exposed = !isLoopback(sip.bindAddress())
                ? "switchboard.sip.bind-address is " + sip.bindAddress()
                : !isLoopback(admin.bindAddress()) ? "switchboard.admin.bind-address is " + admin.bindAddress() : null;
        if (exposed == null) {
            return;
        }
        if (sip.secret().equals(DEMO_SECRET)) {
            throw new ConfigError(
                    "switchboard.sip.secret",
                    "is the public demo value while " + exposed + " (not loopback): set a secret of your own,"
                            + " at least 16 random characters, the same on every node of the pool");
        }
        if (admin.token().equals(DEMO_TOKEN)) {
            throw new ConfigError(
                    "switchboard.admin.token",
                    "is the public demo value while " + exposed + " (not loopback): set a token of your own,"
                            + " at least 8 random characters, and give it to the CLI (--token or the config file)");
        }
    }

    /**
     * Whether {@code host} is a loopback address. A name is resolved; one that does not resolve
     * counts as not loopback (the safe answer: the node will fail to bind it anyway).
     */
    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host.trim()).isLoopbackAddress();
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }
}
