package io.switchboard.node.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP admin port: {@code /health/alive}, {@code /health/ready} and {@code /metrics} open
 * (for probes and Prometheus), {@code /api/*} behind a bearer token, and user resources
 * ({@code /user/*}, {@link #userTree}) behind HTTP Digest with the user's own SIP credentials.
 * Handlers complete asynchronously.
 *
 * <p>What one client can hold ({@link Limits}). Credentials are checked before a byte of the body
 * is read: a request without them is answered 401 and its connection closed, body unread. A body
 * is read only up to its limit (1 MiB, the CSV import its own larger one; a larger
 * {@code Content-Length} is 413 at once) and within the read timeout. Threads: the JDK server
 * reads request lines and headers on its executor ({@code admin-http}), before it knows the
 * path, so that executor cannot be split by path; it only reads headers, checks credentials and
 * answers health and metrics, never waits for a body. Bodies are read on {@code admin-body}
 * ({@link RequestBodies}), so slow uploads cannot keep {@code /health/ready} from answering.
 * Reading is blocking (the JDK server sets its channels to blocking mode and has no per-request
 * read timeout of its own; its {@code sun.net.httpserver.maxReqTime} is one JVM-wide setting,
 * read once): a {@link Deadline} interrupts the reading thread when the time is up, which closes
 * the connection (a blocking {@code SocketChannel} is an {@link
 * java.nio.channels.InterruptibleChannel}). Headers get the same deadline. With {@code healthPort} set, health and metrics are also served by a listener
 * of their own (own executor, own connections), which no client of the admin port can starve.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    static {
        // The JDK server leaves Nagle's algorithm on: it writes a response's headers and its body as two
        // segments, the body waits for the headers' ACK, and the client delays that ACK (Linux: 40 to
        // 200 ms) while it waits for the body. Users' searches at 50/s showed it as a p99 of 185 ms with
        // every search answered within 20 ms at the route (bench/RESULTS.md, issue 14). The server reads
        // this property once, when its first instance is made; an operator's own -D value is kept.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }
    /**
     * Paths served on the health listener as well ({@code healthPort}); deploy/k8s's probes and
     * Prometheus annotations must name these (checked by the deploy-check module).
     */
    public static final java.util.Set<String> HEALTH_PATHS =
            java.util.Set.of("/health/alive", "/health/ready", "/metrics");

    /**
     * What one request may cost.
     *
     * @param maxBody largest body in bytes, except on {@link #secureBulk} routes
     * @param maxBulkBody largest body of a {@link #secureBulk} route (the CSV import)
     * @param readTimeout time for a request's headers, and for its body once they arrived
     * @param bulkReadTimeout time for the body of a {@link #secureBulk} route
     * @param healthPort a listener of its own for health and metrics; -1 none, 0 any free port
     */
    public record Limits(
            long maxBody, long maxBulkBody, Duration readTimeout, Duration bulkReadTimeout, int healthPort) {
        public static final Limits DEFAULTS =
                new Limits(1024 * 1024, 64L * 1024 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(300), -1);

        public Limits {
            if (maxBody < 0 || maxBulkBody < maxBody || maxBulkBody > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("body limits out of range: " + maxBody + ", " + maxBulkBody);
            }
        }
    }

    /**
     * An answer: status, content type, body. {@code bytes}, when not null, is sent instead of {@code body}
     * (binary bodies: the address book's gzip files).
     */
    public record Reply(int status, String contentType, String body, Map<String, String> headers, byte[] bytes) {
        public Reply(int status, String contentType, String body, Map<String, String> headers) {
            this(status, contentType, body, headers, null);
        }

        public Reply(int status, String contentType, String body) {
            this(status, contentType, body, Map.of());
        }

        public static Reply bytes(int status, String contentType, byte[] bytes, Map<String, String> headers) {
            return new Reply(status, contentType, "", headers, bytes);
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

        /**
         * 503 with a Retry-After (RFC 9110 section 15.6.4: the server cannot do it now, the condition is
         * temporary): a change to a branch user while the branch does not answer (BranchChanges).
         */
        public static Reply unavailable(String message, int retryAfterSeconds) {
            return new Reply(
                    503,
                    "application/json",
                    Json.write(Map.of("error", message)),
                    Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
        }
    }

    /**
     * A parsed request handed to routes.
     *
     * @param path    the decoded path
     * @param rawPath the path as sent, still percent-encoded: split it before decoding, so an
     *                encoded {@code /} inside a segment (an AOR, a contact URI) stays in its segment
     * @param user    the AOR of the user who authenticated ({@link #userTree} routes); null elsewhere
     * @param headers request headers by lower-case name, the first value of each
     */
    public record Call(
            String method,
            String path,
            Map<String, String> query,
            String body,
            boolean wantsText,
            String rawPath,
            String user,
            Map<String, String> headers) {
        public Call(String method, String path, Map<String, String> query, String body, boolean wantsText) {
            this(method, path, query, body, wantsText, path, null);
        }

        public Call(
                String method,
                String path,
                Map<String, String> query,
                String body,
                boolean wantsText,
                String rawPath,
                String user) {
            this(method, path, query, body, wantsText, rawPath, user, Map.of());
        }

        /** A request header ({@code If-None-Match}, {@code Accept-Encoding}), or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
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
        BULK,
        USER
    }

    /** A route: answers asynchronously. */
    @FunctionalInterface
    public interface Route {
        CompletionStage<Reply> handle(Call call);
    }

    private final HttpServer server;
    private final HttpServer healthServer;
    private final ExecutorService executor;
    private final ExecutorService healthExecutor;
    private final RequestBodies bodies;
    private final byte[] token;
    private final Limits limits;
    /** The header deadline of the exchange this thread runs (see {@link #guarded}). */
    private static final ThreadLocal<Deadline> HEADERS = new ThreadLocal<>();

    public AdminServer(String bindAddress, int port, String token, Map<String, Route> open, Map<String, Route> secured)
            throws IOException {
        this(bindAddress, port, token, open, secured, Limits.DEFAULTS);
    }

    public AdminServer(
            String bindAddress,
            int port,
            String token,
            Map<String, Route> open,
            Map<String, Route> secured,
            Limits limits)
            throws IOException {
        this.token = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.limits = limits;
        this.server = HttpServer.create(new InetSocketAddress(bindAddress, port), 64);
        this.executor = Executors.newFixedThreadPool(8, daemon("admin-http"));
        this.bodies = new RequestBodies(limits);
        server.setExecutor(guarded(executor));
        open.forEach((path, route) -> server.createContext(path, ex -> dispatch(ex, route, Access.OPEN, false, null)));
        secured.forEach(
                (path, route) -> server.createContext(path, ex -> dispatch(ex, route, Access.TOKEN, false, null)));
        server.createContext("/", AdminServer::notFound);
        if (limits.healthPort() >= 0) {
            this.healthServer = HttpServer.create(new InetSocketAddress(bindAddress, limits.healthPort()), 16);
            this.healthExecutor = Executors.newFixedThreadPool(2, daemon("admin-health"));
            healthServer.setExecutor(guarded(healthExecutor));
            open.forEach((path, route) -> {
                if (HEALTH_PATHS.contains(path)) {
                    healthServer.createContext(path, ex -> dispatch(ex, route, Access.OPEN, false, null));
                }
            });
            healthServer.createContext("/", AdminServer::notFound);
        } else {
            this.healthServer = null;
            this.healthExecutor = null;
        }
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The JDK server's executor, each exchange under a {@link Deadline} for its request line and
     * headers: the server hands a connection over once its first bytes arrived and reads the rest
     * on this thread; {@link #dispatch} disarms the deadline when the headers are in.
     */
    private Executor guarded(ExecutorService pool) {
        return exchange -> pool.execute(() -> {
            Deadline headers = Deadline.arm(limits.readTimeout());
            HEADERS.set(headers);
            try {
                exchange.run();
            } finally {
                HEADERS.remove();
                if (headers.disarm()) {
                    LOG.debug("Admin client sent no complete request headers within {}", limits.readTimeout());
                }
            }
        });
    }

    private static void notFound(HttpExchange ex) {
        headersIn();
        RequestBodies.write(
                ex, Reply.error(404, "No such endpoint: " + ex.getRequestURI().getPath()));
    }

    /** The headers have arrived: the exchange's header deadline no longer applies. */
    private static void headersIn() {
        Deadline d = HEADERS.get();
        if (d != null) {
            d.disarm();
        }
    }

    /**
     * Serves {@code path} behind the admin token with the bulk limits ({@link Limits#maxBulkBody},
     * {@link Limits#bulkReadTimeout}): the CSV import. Call before {@link #start}.
     */
    public AdminServer secureBulk(String path, Route route) {
        server.createContext(path, ex -> dispatch(ex, route, Access.BULK, false, null));
        return this;
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
        if (healthServer != null) {
            healthServer.start();
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The port of the health listener, or -1 when there is none. */
    public int healthPort() {
        return healthServer == null ? -1 : healthServer.getAddress().getPort();
    }

    private void dispatch(HttpExchange ex, Route route, Access access, boolean tree, UserAuthenticator users) {
        headersIn();
        try {
            // A context matches every path it prefixes (/api/users also gets /api/users/x and /api/usersx);
            // a tree takes its own path and those below it, a plain route only its own.
            String path = ex.getRequestURI().getPath();
            String context = ex.getHttpContext().getPath();
            if (!path.equals(context) && !(tree && path.startsWith(context + "/"))) {
                RequestBodies.write(ex, Reply.error(404, "No such endpoint: " + path));
                return;
            }
            if ((access == Access.TOKEN || access == Access.BULK) && !authorized(ex)) {
                // before the body: a stranger's upload is never read (write closes the connection)
                RequestBodies.write(
                        ex,
                        Reply.error(
                                401, "Missing or wrong admin token (Authorization: Bearer <switchboard.admin.token>)"));
                return;
            }
            if (access != Access.USER) {
                bodies.readThen(ex, access == Access.BULK, body -> handle(ex, route, call(ex, path, body, null)));
                return;
            }
            String source = ex.getRemoteAddress().getAddress().getHostAddress();
            users.authenticate(new UserAuthenticator.Attempt(
                            ex.getRequestMethod(),
                            ex.getRequestURI().toString(),
                            ex.getRequestHeaders().getFirst("Authorization"),
                            source,
                            query(ex.getRequestURI().getRawQuery())))
                    // not on the thread that completed the lookup (a driver thread): writing may drain a body
                    .whenCompleteAsync(
                            (outcome, failure) -> {
                                if (failure != null) {
                                    LOG.warn(
                                            "Authenticating {} {} failed: {}",
                                            ex.getRequestMethod(),
                                            path,
                                            failure.toString());
                                    RequestBodies.write(
                                            ex, Reply.error(503, "Could not authenticate: " + rootMessage(failure)));
                                } else if (outcome instanceof UserAuthenticator.Outcome.Refused refused) {
                                    refused.challenges()
                                            .forEach(
                                                    c -> ex.getResponseHeaders().add("WWW-Authenticate", c));
                                    RequestBodies.write(ex, refused.reply());
                                } else {
                                    String aor = ((UserAuthenticator.Outcome.Authenticated) outcome).aor();
                                    bodies.readThen(ex, false, body -> handle(ex, route, call(ex, path, body, aor)));
                                }
                            },
                            executor);
        } catch (RuntimeException e) {
            LOG.warn("Admin request {} failed: {}", ex.getRequestURI(), e.toString());
            RequestBodies.write(ex, Reply.error(500, "Internal error: " + e.getMessage()));
        }
    }

    private static Call call(HttpExchange ex, String path, String body, String user) {
        String accept = ex.getRequestHeaders().getFirst("Accept");
        return new Call(
                ex.getRequestMethod(),
                path,
                query(ex.getRequestURI().getRawQuery()),
                body,
                accept != null && accept.startsWith("text/plain"),
                ex.getRequestURI().getRawPath(),
                user,
                headers(ex));
    }

    private static Map<String, String> headers(HttpExchange ex) {
        Map<String, String> headers = new HashMap<>();
        ex.getRequestHeaders().forEach((name, values) -> {
            if (!values.isEmpty()) {
                headers.put(name.toLowerCase(java.util.Locale.ROOT), values.get(0));
            }
        });
        return headers;
    }

    private void handle(HttpExchange ex, Route route, Call call) {
        try {
            route.handle(call).whenComplete((reply, failure) -> {
                if (failure != null) {
                    LOG.warn("Admin request {} {} failed: {}", call.method(), call.path(), failure.toString());
                    RequestBodies.write(ex, Reply.error(503, "Could not complete: " + rootMessage(failure)));
                } else {
                    RequestBodies.write(ex, reply);
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("Admin request {} failed: {}", ex.getRequestURI(), e.toString());
            RequestBodies.write(ex, Reply.error(500, "Internal error: " + e.getMessage()));
        }
    }

    private boolean authorized(HttpExchange ex) {
        String given = ex.getRequestHeaders().getFirst("Authorization");
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token);
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
        if (healthServer != null) {
            healthServer.stop(0);
            healthExecutor.shutdownNow();
        }
        executor.shutdownNow();
        bodies.close();
    }
}
