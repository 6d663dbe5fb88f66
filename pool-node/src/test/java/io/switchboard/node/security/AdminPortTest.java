package io.switchboard.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.AdminHttp;
import io.switchboard.node.SwitchboardNode;
import io.switchboard.node.TestNodes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The admin port against hostile and slow clients, over raw sockets where the client's timing
 * matters: credentials before the body, body limits, read timeouts, health kept answering, JSON
 * nesting. (The refusal of the demo secret and token on a public bind is checked in
 * NodeConfigTest: it stops startup before any port opens.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminPortTest {

    private static final String CALL_SETTINGS = "/api/call-settings?aor=sip:alice@example.test";
    /** Long enough to read an answer on a loaded machine; a server that waits for the body never answers. */
    private static final int ANSWER_TIMEOUT_MS = 15_000;

    private SwitchboardNode node;
    private int port;

    @BeforeAll
    void start() {
        node = TestNodes.start("admin_port", "switchboard.admin { read-timeout = 2s, health-port = 0 }\n");
        port = node.adminPort();
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void an_unauthenticated_upload_is_refused_before_its_body_is_read() throws Exception {
        for (String target : List.of("/api/users/import", "/user/presence/contacts/sip:bob@example.test")) {
            try (Socket s = connect(port)) {
                // 100 MB announced, 9 bytes sent: an answer now means the server did not wait for the rest
                send(
                        s,
                        "PUT " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
                                + "Content-Length: 104857600\r\n\r\nuri,passw");
                String answer = readHead(s);
                assertThat(answer).as(target).startsWith("HTTP/1.1 401");
                assertThat(answer).containsIgnoringCase("connection: close");
                assertThat(closedByServer(s))
                        .as("connection closed, body unread")
                        .isTrue();
            }
        }
        assertThat(AdminHttp.get(port, "/api/users").statusCode()).isEqualTo(200);
    }

    @Test
    void a_body_over_the_limit_is_413_and_the_csv_import_has_a_larger_one() throws Exception {
        int twoMb = 2 * 1024 * 1024;
        try (Socket s = connect(port)) { // announced: refused on the header alone
            send(
                    s,
                    "PUT " + CALL_SETTINGS + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestNodes.TOKEN
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + twoMb
                            + "\r\n\r\n{\"simRing\":");
            assertThat(readHead(s)).startsWith("HTTP/1.1 413");
        }
        try (Socket s = connect(port)) { // chunked: refused once 1 MiB has been read
            send(
                    s,
                    "PUT " + CALL_SETTINGS + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestNodes.TOKEN
                            + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < twoMb / chunk.length; i++) {
                        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(chunk);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the server closed the connection after its 413: expected
                }
            });
            writer.start();
            assertThat(readHead(s)).startsWith("HTTP/1.1 413");
            writer.join(ANSWER_TIMEOUT_MS);
        }
        StringBuilder csv = new StringBuilder("uri,password,display_name,phone\n");
        while (csv.length() < twoMb) {
            csv.append("not-a-sip-uri,x,y,z\n");
        }
        HttpResponse<String> imported =
                AdminHttp.send(port, "POST", "/api/users/import", TestNodes.TOKEN, "text/csv", csv.toString());
        assertThat(imported.statusCode()).isEqualTo(400); // read and parsed: every row rejected, none too large
        assertThat(imported.body()).startsWith("{\"imported\":0,\"rejected\":[");
    }

    @Test
    void slow_clients_are_disconnected_and_health_keeps_answering() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            // more slow uploads than the threads that read bodies, each authenticated and stalled mid-body
            for (int i = 0; i < 6; i++) {
                Socket s = connect(port);
                slow.add(s);
                send(
                        s,
                        "PUT " + CALL_SETTINGS + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestNodes.TOKEN
                                + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"simRing\":");
            }
            Thread.sleep(300); // let them reach the server (not an assertion: they only make the check harder)
            assertThat(AdminHttp.get(port, "/health/ready").statusCode()).isEqualTo(200);
            assertThat(AdminHttp.get(port, "/metrics").statusCode()).isEqualTo(200);
            // more clients stalled mid-headers than the admin port's threads: the health listener still answers
            for (int i = 0; i < 10; i++) {
                Socket s = connect(port);
                slow.add(s);
                send(s, "GET /api/users HTTP/1.1\r\nHost: x\r\nAuthor");
            }
            Thread.sleep(300);
            assertThat(AdminHttp.get(node.adminHealthPort(), "/health/ready").statusCode())
                    .isEqualTo(200);
            assertThat(AdminHttp.get(node.adminHealthPort(), "/api/users").statusCode())
                    .as("the health listener serves nothing else")
                    .isEqualTo(404);
            for (Socket s : slow) {
                assertThat(closedByServer(s))
                        .as("a stalled client is disconnected")
                        .isTrue();
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
        assertThat(AdminHttp.get(port, "/api/users").statusCode()).isEqualTo(200);
        assertThat(AdminHttp.get(port, "/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void a_deeply_nested_json_body_is_400() throws Exception {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        for (String path : List.of(CALL_SETTINGS, "/api/presence/sip:alice@example.test/access/sip:bob@example.test")) {
            HttpResponse<String> r = AdminHttp.send(port, "PUT", path, TestNodes.TOKEN, "application/json", deep);
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(r.body()).as(path).contains("nesting depth");
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(ANSWER_TIMEOUT_MS);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** The status line and headers of the answer. */
    private static String readHead(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            String text = head.toString(StandardCharsets.ISO_8859_1);
            if (text.endsWith("\r\n\r\n")) {
                return text;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * Whether the server closed the connection (end of stream or reset) rather than keeping it open
     * until the read times out; whatever answer bytes precede the close are skipped.
     */
    private static boolean closedByServer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            while (in.read(buffer) >= 0) {
                // skip an answer body
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset: closed with unread bytes
        }
    }
}
