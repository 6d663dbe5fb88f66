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
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
 * answers health and metrics, never waits for a body. Bodies are read on {@code admin-body}, so
 * slow uploads cannot keep {@code /health/ready} from answering. Reading is blocking (the JDK
 * server sets its channels to blocking mode and has no per-request read timeout of its own; its
 * {@code sun.net.httpserver.maxReqTime} is one JVM-wide setting, read once): a {@link Deadline}
 * interrupts the reading thread when the time is up, which closes the connection (a blocking
 * {@code SocketChannel} is an {@link java.nio.channels.InterruptibleChannel}). Headers get the
 * same deadline. With {@code healthPort} set, health and metrics are also served by a listener
 * of their own (own executor, own connections), which no client of the admin port can starve.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    /** Paths served on the health listener as well ({@code healthPort}). */
    private static final java.util.Set<String> HEALTH_PATHS =
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
    private final ExecutorService bodyReaders;
    private final byte[] token;
    private final Limits limits;
    /** The header deadline of the exchange this thread runs (see {@link #guarded}). */
    private static final ThreadLocal<Deadline> HEADERS = new ThreadLocal<>();
    /** Runs every {@link Deadline}; one daemon thread for all admin servers of the JVM. */
    private static final ScheduledExecutorService TIMER =
            Executors.newSingleThreadScheduledExecutor(daemon("admin-deadlines"));
    /**
     * Exchanges whose body was read to its end, until they are answered. (Not an exchange
     * attribute: the JDK keeps those in the context's map, shared by all its exchanges.)
     */
    private static final java.util.Set<HttpExchange> BODY_READ = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * After answering a request whose body was not read, what the client still sends is dropped
     * for at most {@link #LINGER_TIME} and {@link #LINGER_BYTES} before the connection is closed
     * (a lingering close, as nginx does): closing a socket with unread data sends a TCP reset,
     * which can destroy the answer before the client has read it (a client that sends its whole
     * body before reading: curl's first, unauthenticated PUT, Java's HttpClient).
     */
    private static final Duration LINGER_TIME = Duration.ofSeconds(1);

    private static final long LINGER_BYTES = 8 * 1024 * 1024;

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
        this.bodyReaders = Executors.newFixedThreadPool(4, daemon("admin-body"));
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

    private static java.util.concurrent.ThreadFactory daemon(String name) {
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
            Deadline headers = Deadline.arm(TIMER, limits.readTimeout());
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
        write(ex, Reply.error(404, "No such endpoint: " + ex.getRequestURI().getPath()));
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
                write(ex, Reply.error(404, "No such endpoint: " + path));
                return;
            }
            if ((access == Access.TOKEN || access == Access.BULK) && !authorized(ex)) {
                // before the body: a stranger's upload is never read (write closes the connection)
                write(
                        ex,
                        Reply.error(
                                401, "Missing or wrong admin token (Authorization: Bearer <switchboard.admin.token>)"));
                return;
            }
            if (access != Access.USER) {
                readThen(ex, access == Access.BULK, body -> handle(ex, route, call(ex, path, body, null)));
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
                                    write(ex, Reply.error(503, "Could not authenticate: " + rootMessage(failure)));
                                } else if (outcome instanceof UserAuthenticator.Outcome.Refused refused) {
                                    refused.challenges()
                                            .forEach(
                                                    c -> ex.getResponseHeaders().add("WWW-Authenticate", c));
                                    write(ex, refused.reply());
                                } else {
                                    String aor = ((UserAuthenticator.Outcome.Authenticated) outcome).aor();
                                    readThen(ex, false, body -> handle(ex, route, call(ex, path, body, aor)));
                                }
                            },
                            executor);
        } catch (RuntimeException e) {
            LOG.warn("Admin request {} failed: {}", ex.getRequestURI(), e.toString());
            write(ex, Reply.error(500, "Internal error: " + e.getMessage()));
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
                user);
    }

    /**
     * Reads the body on {@code admin-body} within its limit and read timeout, then gives it to
     * {@code then} on that thread. A body over the limit is 413 (connection closed, the rest
     * unread); a client too slow to send it is disconnected by the deadline. A request without a
     * body (health, metrics, every GET) goes on at once, on this thread.
     */
    private void readThen(HttpExchange ex, boolean bulk, java.util.function.Consumer<String> then) {
        if (!hasBody(ex)) {
            then.accept("");
            return;
        }
        long max = bulk ? limits.maxBulkBody() : limits.maxBody();
        Duration timeout = bulk ? limits.bulkReadTimeout() : limits.readTimeout();
        Long declared = declaredLength(ex);
        if (declared != null && declared > max) { // refused on the header alone, nothing read
            write(ex, Reply.error(413, "Request body larger than " + max + " bytes"));
            return;
        }
        try {
            bodyReaders.execute(() -> {
                byte[] bytes;
                Deadline deadline = Deadline.arm(TIMER, timeout);
                try {
                    bytes = ex.getRequestBody().readNBytes((int) max + 1);
                } catch (IOException e) {
                    boolean late = deadline.disarm();
                    LOG.debug(
                            "Admin request {} {}: body not received ({})",
                            ex.getRequestMethod(),
                            ex.getRequestURI().getPath(),
                            late ? "not within " + timeout : e.toString());
                    ex.close();
                    return;
                }
                if (deadline.disarm()) { // the body arrived as the deadline struck: the connection may be closed
                    ex.close();
                    return;
                }
                if (bytes.length > max) {
                    write(ex, Reply.error(413, "Request body larger than " + max + " bytes"));
                    return;
                }
                BODY_READ.add(ex);
                then.accept(new String(bytes, StandardCharsets.UTF_8));
            });
        } catch (RejectedExecutionException e) { // closing
            write(ex, Reply.error(503, "The admin port is shutting down"));
        }
    }

    /** The request's Content-Length, or null when it has none (chunked, or no body). */
    private static Long declaredLength(HttpExchange ex) {
        String value = ex.getRequestHeaders().getFirst("Content-Length");
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value.trim()); // the JDK server already refused a malformed or negative one
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean hasBody(HttpExchange ex) {
        Long declared = declaredLength(ex);
        return declared != null ? declared > 0 : ex.getRequestHeaders().containsKey("Transfer-Encoding");
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

    /**
     * Sends {@code reply} and ends the exchange. When the request's body was not read (refused
     * before reading, or over its limit), the answer says {@code Connection: close}, the rest of
     * the body is dropped for a moment ({@link #LINGER_TIME}) and the connection closed: the JDK
     * server would otherwise read up to 64 KiB of it, waiting as long as the client likes (RFC
     * 9112 section 9.6 lets a server close after answering).
     */
    private static void write(HttpExchange ex, Reply reply) {
        boolean unread = !BODY_READ.remove(ex) && hasBody(ex);
        try {
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", reply.contentType());
            reply.headers().forEach((name, value) -> ex.getResponseHeaders().set(name, value));
            if (unread) {
                ex.getResponseHeaders().set("Connection", "close");
            }
            ex.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                OutputStream out = ex.getResponseBody();
                out.write(body);
                out.flush();
            }
        } catch (IOException e) {
            LOG.debug("Admin client went away: {}", e.toString());
        } finally {
            if (unread) {
                lingerThenClose(ex);
            } else {
                ex.close();
            }
        }
    }

    /** Drops what the client still sends, for at most {@link #LINGER_TIME} and {@link #LINGER_BYTES}, then closes. */
    private static void lingerThenClose(HttpExchange ex) {
        Deadline deadline = Deadline.arm(TIMER, LINGER_TIME);
        boolean ended = false;
        try {
            InputStream in = ex.getRequestBody();
            byte[] sink = new byte[16 * 1024];
            long left = LINGER_BYTES;
            while (left > 0) {
                int n = in.read(sink, 0, (int) Math.min(sink.length, left));
                if (n < 0) {
                    ended = true;
                    break;
                }
                left -= n;
            }
        } catch (IOException e) {
            // the deadline closed the connection, or the client did
        }
        if (deadline.disarm() || !ended) {
            closeWithoutDraining(ex);
        } else {
            ex.close();
        }
    }

    /**
     * Ends the exchange and closes its connection without reading the rest of the body: the JDK
     * server drains an unread body when the exchange closes, in a blocking read; with this
     * thread's interrupt flag set that read closes the channel at once instead (the answer was
     * flushed before). The flag is restored afterwards.
     */
    private static void closeWithoutDraining(HttpExchange ex) {
        boolean wasInterrupted = Thread.interrupted();
        Thread.currentThread().interrupt();
        try {
            ex.close();
        } catch (RuntimeException e) {
            LOG.debug("Closing an admin exchange: {}", e.toString());
        } finally {
            Thread.interrupted();
            if (wasInterrupted) {
                Thread.currentThread().interrupt();
            }
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
        if (healthServer != null) {
            healthServer.stop(0);
            healthExecutor.shutdownNow();
        }
        executor.shutdownNow();
        bodyReaders.shutdownNow();
    }

    /**
     * Interrupts a thread blocked in a read when its time is up. The JDK server's channels are
     * blocking {@code SocketChannel}s, which close when a thread blocked on them is interrupted,
     * so the read ends and the client is disconnected. A lock makes {@link #disarm} and the
     * interrupt exclusive: once disarmed, the thread (about to serve something else) is never
     * interrupted by this deadline.
     */
    static final class Deadline {
        private final Thread thread;
        private ScheduledFuture<?> task;
        private int state; // 0 armed, 1 disarmed, 2 fired

        private Deadline(Thread thread) {
            this.thread = thread;
        }

        static Deadline arm(ScheduledExecutorService timer, Duration timeout) {
            Deadline d = new Deadline(Thread.currentThread());
            try {
                d.task = timer.schedule(d::fire, timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) { // the server is closing
                d.state = 1;
            }
            return d;
        }

        private synchronized void fire() {
            if (state == 0) {
                state = 2;
                thread.interrupt();
            }
        }

        /** Call on the guarded thread. Whether the deadline struck; its interrupt is then cleared. */
        boolean disarm() {
            boolean fired;
            synchronized (this) {
                if (state == 0) {
                    state = 1;
                }
                fired = state == 2;
            }
            if (task != null) {
                task.cancel(false);
            }
            if (fired) {
                Thread.interrupted();
            }
            return fired;
        }
    }
}
