package io.switchboard.node.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP admin port: {@code /health/alive}, {@code /health/ready} and {@code /metrics} open
 * (for probes and Prometheus), {@code /api/*} behind a bearer token, and user resources
 * ({@code /user/*}, {@link #userTree}) behind HTTP Digest with the user's own SIP credentials.
 * Handlers complete asynchronously; the server's small thread pool only parses and writes.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    /** Bulk imports are bounded so one request cannot exhaust the heap. */
    static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

    /** An answer: status, content type, body. */
    public record Reply(int status, String contentType, String body, Map<String, String> headers) {
        public Reply(int status, String contentType, String body) {
            this(status, contentType, body, Map.of());
        }

        /** 405 with the Allow header HTTP requires (RFC 9110 section 15.5.6). */
        public static Reply methodNotAllowed(String allow, String message) {
            return new Reply(405, "application/json", Json.write(Map.of("error", message)), Map.of("Allow", allow));
        }

        public static Reply json(int status, String body) {
            return new Reply(status, "application/json", body);
        }

        public static Reply text(int status, String body) {
            return new Reply(status, "text/plain; charset=utf-8", body);
        }

        public static Reply error(int status, String message) {
            return json(status, Json.write(Map.of("error", message)));
        }
    }

    /**
     * A parsed request handed to routes.
     *
     * @param path    the decoded path
     * @param rawPath the path as sent, still percent-encoded: split it before decoding, so an
     *                encoded {@code /} inside a segment (an AOR, a contact URI) stays in its segment
     * @param user    the AOR of the user who authenticated ({@link #userTree} routes); null elsewhere
     */
    public record Call(
            String method,
            String path,
            Map<String, String> query,
            String body,
            boolean wantsText,
            String rawPath,
            String user) {
        public Call(String method, String path, Map<String, String> query, String body, boolean wantsText) {
            this(method, path, query, body, wantsText, path, null);
        }

        public String param(String name) {
            return query.get(name);
        }
    }

    /** Decides who a request to a {@link #userTree} comes from (HTTP Digest, {@link HttpDigestAuthenticator}). */
    public interface UserAuthenticator {
        /** The request as the authenticator needs it: the Authorization header may be null. */
        record Attempt(
                String method,
                String requestTarget,
                String authorization,
                String sourceIp,
                Map<String, String> query) {}

        /** Either the user's AOR, or the answer to send instead (401 with challenges, 429, 400). */
        sealed interface Outcome {
            record Authenticated(String aor) implements Outcome {}

            /** {@code challenges} are sent as one {@code WWW-Authenticate} header each, in order. */
            record Refused(Reply reply, java.util.List<String> challenges) implements Outcome {}
        }

        CompletionStage<Outcome> authenticate(Attempt attempt);
    }

    private enum Access {
        OPEN,
        TOKEN,
        USER
    }

    /** A route: answers asynchronously. */
    @FunctionalInterface
    public interface Route {
        CompletionStage<Reply> handle(Call call);
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final byte[] token;

    public AdminServer(String bindAddress, int port, String token, Map<String, Route> open, Map<String, Route> secured)
            throws IOException {
        this.token = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.server = HttpServer.create(new InetSocketAddress(bindAddress, port), 64);
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "admin-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        open.forEach((path, route) -> server.createContext(path, ex -> dispatch(ex, route, Access.OPEN, false, null)));
        secured.forEach(
                (path, route) -> server.createContext(path, ex -> dispatch(ex, route, Access.TOKEN, false, null)));
        server.createContext(
                "/",
                ex -> write(
                        ex,
                        Reply.error(
                                404, "No such endpoint: " + ex.getRequestURI().getPath())));
    }

    /**
     * Serves {@code prefix} and every path below it ({@code prefix/...}) behind the admin token, for
     * resources named in the path ({@code /api/presence/sip:alice@example.test/access}). Call before
     * {@link #start}.
     */
    public AdminServer secureTree(String prefix, Route route) {
        server.createContext(prefix, ex -> dispatch(ex, route, Access.TOKEN, true, null));
        return this;
    }

    /**
     * Serves {@code prefix} and every path below it to users who prove who they are to
     * {@code users}; the route gets the user's AOR as {@link Call#user} and may only act for them.
     * Call before {@link #start}.
     */
    public AdminServer userTree(String prefix, UserAuthenticator users, Route route) {
        server.createContext(prefix, ex -> dispatch(ex, route, Access.USER, true, users));
        return this;
    }

    public void start() {
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void dispatch(HttpExchange ex, Route route, Access access, boolean tree, UserAuthenticator users) {
        try {
            // A context matches every path it prefixes (/api/users also gets /api/users/x and /api/usersx);
            // a tree takes its own path and those below it, a plain route only its own.
            String path = ex.getRequestURI().getPath();
            String context = ex.getHttpContext().getPath();
            if (!path.equals(context) && !(tree && path.startsWith(context + "/"))) {
                write(ex, Reply.error(404, "No such endpoint: " + path));
                return;
            }
            if (access == Access.TOKEN && !authorized(ex)) {
                write(
                        ex,
                        Reply.error(
                                401, "Missing or wrong admin token (Authorization: Bearer <switchboard.admin.token>)"));
                return;
            }
            String body = readBody(ex.getRequestBody());
            if (body == null) {
                write(ex, Reply.error(413, "Request body larger than " + MAX_BODY_BYTES + " bytes"));
                return;
            }
            String accept = ex.getRequestHeaders().getFirst("Accept");
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            Call call = new Call(
                    ex.getRequestMethod(),
                    path,
                    query,
                    body,
                    accept != null && accept.startsWith("text/plain"),
                    ex.getRequestURI().getRawPath(),
                    null);
            if (access != Access.USER) {
                handle(ex, route, call);
                return;
            }
            String source = ex.getRemoteAddress().getAddress().getHostAddress();
            users.authenticate(new UserAuthenticator.Attempt(
                            call.method(),
                            ex.getRequestURI().toString(),
                            ex.getRequestHeaders().getFirst("Authorization"),
                            source,
                            query))
                    .whenComplete((outcome, failure) -> {
                        if (failure != null) {
                            LOG.warn("Authenticating {} {} failed: {}", call.method(), call.path(), failure.toString());
                            write(ex, Reply.error(503, "Could not authenticate: " + rootMessage(failure)));
                        } else if (outcome instanceof UserAuthenticator.Outcome.Refused refused) {
                            refused.challenges()
                                    .forEach(c -> ex.getResponseHeaders().add("WWW-Authenticate", c));
                            write(ex, refused.reply());
                        } else {
                            String aor = ((UserAuthenticator.Outcome.Authenticated) outcome).aor();
                            handle(
                                    ex,
                                    route,
                                    new Call(
                                            call.method(),
                                            call.path(),
                                            call.query(),
                                            call.body(),
                                            call.wantsText(),
                                            call.rawPath(),
                                            aor));
                        }
                    });
        } catch (IOException | RuntimeException e) {
            LOG.warn("Admin request {} failed: {}", ex.getRequestURI(), e.toString());
            write(ex, Reply.error(500, "Internal error: " + e.getMessage()));
        }
    }

    private void handle(HttpExchange ex, Route route, Call call) {
        try {
            route.handle(call).whenComplete((reply, failure) -> {
                if (failure != null) {
                    LOG.warn("Admin request {} {} failed: {}", call.method(), call.path(), failure.toString());
                    write(ex, Reply.error(503, "Could not complete: " + rootMessage(failure)));
                } else {
                    write(ex, reply);
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("Admin request {} failed: {}", ex.getRequestURI(), e.toString());
            write(ex, Reply.error(500, "Internal error: " + e.getMessage()));
        }
    }

    private boolean authorized(HttpExchange ex) {
        String given = ex.getRequestHeaders().getFirst("Authorization");
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token);
    }

    private static String readBody(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        return bytes.length > MAX_BODY_BYTES ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    private static void write(HttpExchange ex, Reply reply) {
        try (ex) {
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", reply.contentType());
            reply.headers().forEach((name, value) -> ex.getResponseHeaders().set(name, value));
            ex.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (IOException e) {
            LOG.debug("Admin client went away: {}", e.toString());
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
