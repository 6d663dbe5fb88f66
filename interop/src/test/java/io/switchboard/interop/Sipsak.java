package io.switchboard.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * sipsak 0.9.8 in usrloc mode: one REGISTER (answering the digest challenge) per run, which exits
 * when it has the final answer. sipsak resolves the host of its target URI even with an outbound
 * proxy, so its user is in the domain {@code localhost} (see {@link InteropNode}).
 */
final class Sipsak {

    static final String BINARY = "sipsak";

    private Sipsak() {}

    /**
     * {@code sipsak -U}: registers (expires > 0) or removes (expires 0) {@code contact} for
     * {@code user@localhost} at 127.0.0.1:{@code port}; returns its whole output.
     */
    static String register(Path dir, String user, String transport, int port, String contact, int expires)
            throws IOException {
        return register(dir, user, transport, port, contact, expires, List.of());
    }

    /** As above, with {@code extra} options (such as {@code --tls-ca-cert=FILE} over TLS). */
    static String register(
            Path dir, String user, String transport, int port, String contact, int expires, List<String> extra)
            throws IOException {
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>(List.of(
                BINARY,
                "-U",
                "-C",
                contact,
                "-s",
                "sip:" + user + "@localhost:" + port,
                "-u",
                user,
                "-a",
                user + "-secret",
                "-x",
                String.valueOf(expires),
                "-E",
                transport,
                "-vvv"));
        command.addAll(extra);
        try (ClientProcess p =
                new ClientProcess("sipsak-" + user + "-" + transport + "-" + expires, command, dir, Map.of())) {
            // the run ends with its timing line once the final answer is in
            p.await("received last message .* after first request", Duration.ofSeconds(15));
            return p.output();
        }
    }
}
