package io.switchboard.node;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP calls to a test node's admin port, with full control over method, token and headers. */
public final class AdminHttp {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AdminHttp() {}

    /**
     * {@code method path} on {@code 127.0.0.1:port}; {@code token} null sends no Authorization header,
     * {@code body} null sends none.
     */
    public static HttpResponse<String> send(
            int port, String method, String path, String token, String contentType, String body)
            throws IOException, InterruptedException {
        return send(port, method, path, token, contentType, body, "127.0.0.1");
    }

    /** As above, on {@code host}. */
    public static HttpResponse<String> send(
            int port, String method, String path, String token, String contentType, String body, String host)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                .timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return send(port, "GET", path, TestNodes.TOKEN, null, null);
    }
}
