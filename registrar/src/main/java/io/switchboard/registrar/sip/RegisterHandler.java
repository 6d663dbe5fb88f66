package io.switchboard.registrar.sip;

import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.sip.stack.AnsweredRequests;
import java.text.ParseException;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sip.ServerTransaction;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registrar's SIP adapter: an authenticated REGISTER in, one final response out.
 * Parsing problems answer 400 at the edge; the decision comes from the AOR's entity; a store or
 * cluster failure answers 503 with Retry-After, logged once. Never blocks the calling thread.
 */
public final class RegisterHandler {

    private static final Logger LOG = LoggerFactory.getLogger(RegisterHandler.class);
    private static final int RETRY_AFTER_SECONDS = 5;

    private final RegistrarClient registrar;
    private final RegisterResponses responses;
    private final RegisterObserver observer;
    private final Clock clock;
    private final Supplier<Optional<String>> okWarning;

    public RegisterHandler(
            RegistrarClient registrar, RegisterResponses responses, RegisterObserver observer, Clock clock) {
        this(registrar, responses, observer, clock, Optional::empty);
    }

    /**
     * @param okWarning a {@code Warning} value for each 200 while it is present: a branch node in WAN failure mode
     *                  tells its phones that they are registered with limited functionality (RFC 3261 section 20.43)
     */
    public RegisterHandler(
            RegistrarClient registrar,
            RegisterResponses responses,
            RegisterObserver observer,
            Clock clock,
            Supplier<Optional<String>> okWarning) {
        this.registrar = registrar;
        this.responses = responses;
        this.observer = observer;
        this.clock = clock;
        this.okWarning = okWarning;
    }

    /**
     * Handles a REGISTER already parsed at the edge ({@link RegisterParser}) whose credentials were
     * verified for {@code authenticatedAor}.
     *
     * @param startNanos {@link System#nanoTime()} when the request arrived, for the latency metric
     */
    public void handle(
            ServerTransaction transaction,
            Request request,
            RegisterRequest register,
            String authenticatedAor,
            long startNanos) {
        handle(transaction, request, register, authenticatedAor, startNanos, () -> {});
    }

    /**
     * {@link #handle(ServerTransaction, Request, RegisterRequest, String, long)}, running
     * {@code answered} once the REGISTER is answered, whatever the answer (the edge's admission
     * control releases its place then).
     */
    public void handle(
            ServerTransaction transaction,
            Request request,
            RegisterRequest register,
            String authenticatedAor,
            long startNanos,
            Runnable answered) {
        if (!register.aor().equals(authenticatedAor)) {
            // RFC 3261 section 10.3 step 3: the authenticated user must be allowed to modify this AOR.
            try {
                reply(transaction, request, Response.FORBIDDEN, "Authenticated user does not own this AOR", startNanos);
            } finally {
                answered.run();
            }
            return;
        }
        registrar.register(register).whenComplete((reply, failure) -> {
            try {
                send(transaction, toResponse(request, register.aor(), reply, failure), startNanos);
            } catch (ParseException | RuntimeException e) {
                LOG.error("Could not build the response to REGISTER for {}", register.aor(), e);
            } finally {
                answered.run();
            }
        });
    }

    /** Answers a REGISTER that could not be parsed: 400 with the reason (RFC 3261 section 21.4.1). */
    public void rejectMalformed(ServerTransaction transaction, Request request, String reason, long startNanos) {
        reply(transaction, request, Response.BAD_REQUEST, reason, startNanos);
    }

    private Response toResponse(Request request, String aor, RegistrarEntity.RegisterReply reply, Throwable failure)
            throws ParseException {
        if (failure != null) {
            LOG.warn("REGISTER for {} got no answer from its registrar entity: {}", aor, failure.toString());
            return responses.unavailable(request, "Registrar busy, try again", RETRY_AFTER_SECONDS);
        }
        if (reply instanceof RegistrarEntity.Registered ok) {
            Response response = responses.ok(request, aor, ok.decision(), clock.instant());
            Optional<String> warning = okWarning.get();
            if (warning.isPresent()) {
                response.addHeader(responses.header("Warning", warning.get()));
            }
            return response;
        }
        if (reply instanceof RegistrarEntity.Refused refused) {
            return responses.rejected(request, refused.rejection());
        }
        return responses.unavailable(request, ((RegistrarEntity.Unavailable) reply).reason(), RETRY_AFTER_SECONDS);
    }

    private void reply(ServerTransaction transaction, Request request, int status, String reason, long startNanos) {
        try {
            send(transaction, responses.create(status, request, reason), startNanos);
        } catch (ParseException e) {
            LOG.error("Could not build a {} response", status, e);
        }
    }

    private void send(ServerTransaction transaction, Response response, long startNanos) {
        // the transaction keeps itself for 32 s over UDP (Timer J): without the request (AnsweredRequests)
        AnsweredRequests.dropOnFinalResponse(transaction);
        try {
            transaction.sendResponse(response);
        } catch (javax.sip.SipException | javax.sip.InvalidArgumentException | RuntimeException e) {
            // The transaction ended (timeout, closed connection): the client retransmits or gave up.
            LOG.debug("Could not send {} to REGISTER: {}", response.getStatusCode(), e.toString());
        }
        AnsweredRequests.release(transaction.getRequest()); // an RFC 2543 request the RI kept
        observer.completed(response.getStatusCode(), System.nanoTime() - startNanos);
    }
}
