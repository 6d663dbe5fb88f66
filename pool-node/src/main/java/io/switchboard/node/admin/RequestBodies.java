package io.switchboard.node.admin;

import com.sun.net.httpserver.HttpExchange;
import io.switchboard.node.admin.AdminServer.Limits;
import io.switchboard.node.admin.AdminServer.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request bodies on the admin port: read on threads of their own ({@code admin-body}), each within
 * its size limit and read timeout ({@link Limits}), and answers that take care of a body left
 * unread (refused before reading, or over its limit) so its connection is closed without a TCP
 * reset destroying the answer. See {@link AdminServer} for why bodies are read this way.
 */
final class RequestBodies implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class); // the log category it always had
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

    private final Limits limits;
    private final ExecutorService readers;

    RequestBodies(Limits limits) {
        this.limits = limits;
        this.readers = Executors.newFixedThreadPool(4, AdminServer.daemon("admin-body"));
    }

    /**
     * Reads the body on {@code admin-body} within its limit and read timeout, then gives it to
     * {@code then} on that thread. A body over the limit is 413 (connection closed, the rest
     * unread); a client too slow to send it is disconnected by the deadline. A request without a
     * body (health, metrics, every GET) goes on at once, on this thread.
     */
    void readThen(HttpExchange ex, boolean bulk, java.util.function.Consumer<String> then) {
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
            readers.execute(() -> {
                byte[] bytes;
                Deadline deadline = Deadline.arm(timeout);
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

    static boolean hasBody(HttpExchange ex) {
        Long declared = declaredLength(ex);
        return declared != null ? declared > 0 : ex.getRequestHeaders().containsKey("Transfer-Encoding");
    }

    /**
     * Sends {@code reply} and ends the exchange. When the request's body was not read (refused
     * before reading, or over its limit), the answer says {@code Connection: close}, the rest of
     * the body is dropped for a moment ({@link #LINGER_TIME}) and the connection closed: the JDK
     * server would otherwise read up to 64 KiB of it, waiting as long as the client likes (RFC
     * 9112 section 9.6 lets a server close after answering).
     */
    static void write(HttpExchange ex, Reply reply) {
        boolean unread = !BODY_READ.remove(ex) && hasBody(ex);
        try {
            byte[] body = reply.bytes() != null ? reply.bytes() : reply.body().getBytes(StandardCharsets.UTF_8);
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
        Deadline deadline = Deadline.arm(LINGER_TIME);
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

    /** Stops the body readers: a body arriving afterwards is answered 503. */
    @Override
    public void close() {
        readers.shutdownNow();
    }
}
