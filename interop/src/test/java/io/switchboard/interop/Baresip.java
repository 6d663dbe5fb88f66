package io.switchboard.interop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * baresip 1.0 in a config directory of its own ({@code -f dir}), driven through its stdio UI
 * (commands such as {@code /dial uri} on stdin), with SIP tracing on ({@code -s}) so that the
 * test sees every message it sends and receives. No audio device: the source is a WAV file of
 * silence and the player writes a file (both {@code aufile}).
 */
final class Baresip extends SipClient {

    static final String BINARY = "baresip";

    final Path dir;
    /** The node's address as baresip's trace writes it: what comes from there is incoming. */
    private final String node;

    private Baresip(String user, String transport, Path dir, ClientProcess process, int port) {
        super(user, transport, process);
        this.dir = dir;
        this.node = "127.0.0.1:" + port;
    }

    /**
     * Starts baresip for {@code user@example.test} (password {@code user-secret}) with the node at
     * 127.0.0.1:{@code port} as outbound proxy over {@code transport}; {@code contacts} (AORs) are
     * watched with SUBSCRIBE (presence p2p) and published to with PUBLISH every minute.
     */
    static Baresip start(Path parent, String user, String transport, int port, List<String> contacts)
            throws IOException {
        return start(parent, user, transport, port, contacts, true);
    }

    /** As above; {@code autoAnswer} false lets incoming calls ring until CANCEL or {@code /accept}. */
    static Baresip start(
            Path parent, String user, String transport, int port, List<String> contacts, boolean autoAnswer)
            throws IOException {
        return start(parent, user, transport, port, contacts, autoAnswer, Optional.empty());
    }

    /**
     * As above; over {@code tls} {@code caFile} (PEM) is the certificate baresip trusts for the
     * node ({@code sip_cafile}). baresip 1.0 has no setting to skip the server check.
     */
    static Baresip start(
            Path parent,
            String user,
            String transport,
            int port,
            List<String> contacts,
            boolean autoAnswer,
            Optional<Path> caFile)
            throws IOException {
        Path dir = Files.createDirectories(parent.resolve("baresip-" + user + "-" + transport));
        Files.writeString(dir.resolve("config"), """
                poll_method epoll
                sip_listen 127.0.0.1:0
                audio_player aufile,%1$s/received.wav
                audio_source aufile,%1$s/silence.wav
                audio_alert aufile,%1$s/alert.wav
                module_path /usr/lib/baresip/modules
                module stdio.so
                module g711.so
                module aufile.so
                %2$s
                module_app account.so
                module_app contact.so
                module_app menu.so
                module_app presence.so
                %3$s
                """.formatted(
                        dir,
                        transport.equals("udp") ? "" : "module_app uuid.so",
                        caFile.map(ca -> "sip_cafile " + ca).orElse("")));
        writeSilence(dir.resolve("silence.wav"));
        // the instance id (+sip.instance) outbound needs, loaded (uuid module) for TCP only: on UDP
        // baresip registers without an instance, the case that pairs PUBLISH with REGISTER today.
        // The whole file is the id: a newline would end up inside the Contact's +sip.instance
        Files.writeString(
                dir.resolve("uuid"),
                UUID.nameUUIDFromBytes(dir.toString().getBytes(StandardCharsets.UTF_8))
                        .toString());
        // RFC 5626 outbound (+sip.instance, reg-id) on the connection-oriented transport, as phones do there
        String outbound = transport.equals("udp") ? "" : ";sipnat=outbound";
        Files.writeString(
                dir.resolve("accounts"),
                "<sip:%1$s@example.test;transport=%2$s>;auth_pass=%1$s-secret;outbound=\"sip:127.0.0.1:%3$d;transport=%2$s\"%4$s;regint=600;pubint=600;answermode=%5$s\n"
                        .formatted(user, transport, port, outbound, autoAnswer ? "auto" : "manual"));
        StringBuilder c = new StringBuilder();
        for (String aor : contacts) {
            c.append("<").append(aor).append(">;presence=p2p\n");
        }
        Files.writeString(dir.resolve("contacts"), c.toString());
        ClientProcess p = new ClientProcess(
                "baresip-" + user + "-" + transport,
                List.of(BINARY, "-f", dir.toString(), "-s"),
                dir,
                Map.of("HOME", dir.toString()));
        return new Baresip(user, transport, dir, p, port);
    }

    /**
     * baresip for {@code user@example.test} over UDP with no outbound proxy: it finds the registrar
     * the way RFC 3263 says, through DNS (NAPTR, SRV {@code _sip._udp.example.test}, A), asking only
     * {@code dnsServer} ("127.0.0.1:PORT", baresip's {@code dns_server}); {@code port} is the node's
     * UDP port the records point to (how the trace tells incoming from outgoing).
     */
    static Baresip startResolving(Path parent, String user, String dnsServer, int port) throws IOException {
        Path dir = Files.createDirectories(parent.resolve("baresip-" + user + "-srv"));
        Files.writeString(dir.resolve("config"), """
                poll_method epoll
                sip_listen 127.0.0.1:0
                dns_server %2$s
                audio_player aufile,%1$s/received.wav
                audio_source aufile,%1$s/silence.wav
                module_path /usr/lib/baresip/modules
                module stdio.so
                module g711.so
                module aufile.so
                module_app account.so
                module_app menu.so
                """.formatted(dir, dnsServer));
        writeSilence(dir.resolve("silence.wav"));
        Files.writeString(
                dir.resolve("accounts"), "<sip:%1$s@example.test>;auth_pass=%1$s-secret;regint=600\n".formatted(user));
        Files.writeString(dir.resolve("contacts"), "");
        ClientProcess p = new ClientProcess(
                "baresip-" + user + "-srv",
                List.of(BINARY, "-f", dir.toString(), "-s"),
                dir,
                Map.of("HOME", dir.toString()));
        return new Baresip(user, "udp", dir, p, port);
    }

    /**
     * 60 s of silence, 8 kHz 16-bit mono PCM in a RIFF/WAVE file: the audio source of a call (G.711
     * runs at 8 kHz; baresip's tone generator ausine runs only at 48 kHz and fails the answer).
     */
    static void writeSilence(Path file) throws IOException {
        int rate = 8000;
        int data = rate * 2 * 60;
        ByteBuffer b = ByteBuffer.allocate(44 + data).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + data);
        b.put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16);
        b.putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2);
        b.putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(data);
        Files.write(file, b.array());
    }

    @Override
    List<SipTrace.Message> parse(List<String> lines) {
        return SipTrace.baresip(lines, node);
    }

    /**
     * The node's 200 to REGISTER, from the trace: with outbound (TCP) baresip 1.0 prints no
     * "{0/TCP/v4} 200 OK" status line of its own.
     */
    @Override
    void awaitRegistered(Duration timeout) {
        awaitMessage(m -> m.incoming() && m.isResponse(200, "REGISTER"), timeout, "200 to REGISTER");
    }

    @Override
    void dial(String uri) {
        process.send("/dial " + uri);
    }

    @Override
    void hangup() {
        process.send("/hangup");
    }

    /** baresip 1.0 sends MESSAGE to its current contact: the first line of its contacts file. */
    @Override
    void message(String uri, String text) {
        process.send("/message " + text);
    }

    /** baresip 1.0 has no unregister command: on {@code /quit} it unregisters (expires 0), then exits. */
    @Override
    void unregister() {
        process.send("/quit");
    }

    @Override
    String userAgent() {
        return "baresip";
    }

    /** Publishes open and waits for the node's 200 to that PUBLISH. */
    void presenceOnline() {
        publish("/presence_online");
    }

    /** Publishes closed and waits for the node's 200 to that PUBLISH. */
    void presenceOffline() {
        publish("/presence_offline");
    }

    private void publish(String command) {
        long before = count(m -> m.incoming() && m.isResponse(200, "PUBLISH"));
        process.send(command);
        awaitTrace(
                t -> t.stream()
                                .filter(m -> m.incoming() && m.isResponse(200, "PUBLISH"))
                                .count()
                        > before,
                Duration.ofSeconds(10),
                "200 to the PUBLISH of " + command);
    }
}
