package io.switchboard.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * linphonec 5.1 with an rc file and a HOME of its own, driven through its command line on stdin
 * ({@code call uri}, {@code terminate}, {@code chat uri "text"}), logging at level 6 to stdout so
 * that the test sees every SIP message. No audio device: {@code soundcard use files}.
 *
 * <p>linphonec applies its SIP ports only once liblinphone considers the network reachable, which
 * it never does without a network monitor event; {@code ipv6 disable} (the rc has IPv6 on) makes
 * it apply the rc's transports at once, so that is the first command sent.
 */
final class Linphonec extends SipClient {

    static final String BINARY = "linphonec";

    final Path dir;

    private Linphonec(String user, String transport, Path dir, ClientProcess process) {
        super(user, transport, process);
        this.dir = dir;
    }

    static Linphonec start(Path parent, String user, String transport, int port, List<String> friends)
            throws IOException {
        return start(parent, user, transport, port, friends, Optional.empty());
    }

    /**
     * As above; over {@code tls} {@code caFile} (PEM) is the certificate linphonec trusts for the
     * node. The chain is checked, the name is not ({@code verify_server_cn=0}): linphone 5.1's
     * mbedtls matches the host only against DNS names, so a proxy given as 127.0.0.1 fails with
     * "CN-mismatch" even though the certificate lists IP:127.0.0.1 in its subjectAltName.
     */
    static Linphonec start(
            Path parent, String user, String transport, int port, List<String> friends, Optional<Path> caFile)
            throws IOException {
        Path dir = Files.createDirectories(parent.resolve("linphonec-" + user + "-" + transport));
        Files.createDirectories(dir.resolve(".local/share/linphone"));
        String udp = transport.equals("udp") ? "-1" : "0";
        String tcp = transport.equals("tcp") ? "-1" : "0";
        String tls = transport.equals("tls") ? "-1" : "0";
        StringBuilder rc = new StringBuilder("""
                [sip]
                use_ipv6=1
                auto_net_state_mon=0
                sip_port=%1$s
                sip_tcp_port=%2$s
                sip_tls_port=%6$s
                %7$s
                default_proxy=0
                register_only_when_network_is_up=0
                register_only_when_upnp_is_ok=0
                inc_timeout=60
                media_encryption=none

                [rtp]
                audio_rtp_port=-1
                video_rtp_port=-1
                text_rtp_port=-1

                [video]
                display=0
                capture=0

                [auth_info_0]
                username=%3$s
                userid=%3$s
                passwd=%3$s-secret
                realm=example.test
                domain=example.test

                [proxy_0]
                reg_proxy=<sip:127.0.0.1:%4$d;transport=%5$s>
                reg_route=<sip:127.0.0.1:%4$d;transport=%5$s;lr>
                reg_identity="%3$s" <sip:%3$s@example.test>
                reg_expires=600
                reg_sendregister=1
                publish=1
                """.formatted(
                udp,
                tcp,
                user,
                port,
                transport,
                tls,
                caFile.map(ca -> "root_ca=" + ca + "\nverify_server_cn=0").orElse("")));
        int i = 0;
        for (String aor : friends) {
            rc.append("""

                    [friend_%d]
                    url=<%s>
                    pol=accept
                    subscribe=1
                    """.formatted(i++, aor));
        }
        Files.writeString(dir.resolve("rc"), rc.toString());
        ClientProcess p = new ClientProcess(
                "linphonec-" + user + "-" + transport,
                List.of(BINARY, "-c", dir.resolve("rc").toString(), "-d", "6", "-S"),
                dir,
                Map.of("HOME", dir.toString()));
        Linphonec l = new Linphonec(user, transport, dir, p);
        p.send("soundcard use files");
        p.send("ipv6 disable");
        return l;
    }

    @Override
    List<SipTrace.Message> parse(List<String> lines) {
        return SipTrace.linphone(lines);
    }

    @Override
    void awaitRegistered(Duration timeout) {
        process.await("to \\[LinphoneRegistrationOk\\]", timeout);
    }

    void autoAnswer() {
        process.send("autoanswer enable");
    }

    @Override
    void dial(String uri) {
        process.send("call " + uri);
    }

    @Override
    void hangup() {
        process.send("terminate");
    }

    /** A blind transfer of the current call to {@code uri} (RFC 3515 REFER), linphonec's {@code transfer}. */
    void transfer(String uri) {
        process.send("transfer " + uri);
    }

    @Override
    void message(String uri, String text) {
        process.send("chat " + uri + " \"" + text + "\"");
    }

    @Override
    void unregister() {
        process.send("unregister");
    }

    @Override
    String userAgent() {
        return "Linphonec";
    }
}
