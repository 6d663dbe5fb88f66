package io.switchboard.sip.routing;

import gov.nist.javax.sip.message.SIPMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parallel forking done by the calling user agent itself (RFC 3261 section 16.7's "first 2xx wins"
 * without a proxy in between): one INVITE client transaction per target, all sent at once. The first
 * 2xx wins; the branches that answered provisionally get CANCEL (section 9.1 allows it only after a
 * 1xx, so a branch that has not answered yet is cancelled on its first one); a 2xx of another
 * branch after that is the listener's to ACK and end. Every branch refusing (or timing out), or
 * nobody answering within the time given, ends it unanswered. Used by call park's ring-back and the
 * conferencing focus's dial-out; each builds its own INVITEs (offer or none, headers, next hop in
 * the request's application data, which the CANCEL inherits).
 *
 * <p>Every response of a branch reaches its fork through {@link #onResponse} / {@link #onTimeout},
 * which the node's SIP listener calls (the branch's client transaction carries a {@link Branch}).
 */
public final class ParallelFork {

    private static final Logger LOG = LoggerFactory.getLogger(ParallelFork.class);

    /** What a fork tells its user; called on the SIP stack's or the timer's thread, never under a lock. */
    public interface Listener {
        /** The first 2xx, of {@code branch}: the call is answered there (the listener sends the ACK). */
        void answered(ClientTransaction branch, Response ok);

        /** A 2xx of another branch after the fork was over (RFC 3261 section 15: ACK it, then BYE). */
        void answeredLate(ClientTransaction branch, Response ok);

        /** The winning branch's 2xx again: the listener's ACK was lost (section 13.2.2.4: send it again). */
        default void answeredAgain(ClientTransaction branch, Response ok) {}

        /**
         * Nobody answered: every branch refused or timed out ({@code best}: a 6xx if one came, else
         * the last refusal; null when the last branch timed out), or no answer within the time given
         * ({@code best} null). Not called after {@link #stop}.
         */
        void notAnswered(Response best);
    }

    /** The marker on each branch's client transaction. */
    public record Branch(ParallelFork fork) {}

    private final SipProvider provider;
    private final Listener listener;
    private final List<ClientTransaction> branches = new ArrayList<>();
    private final List<ClientTransaction> provisional = new ArrayList<>();
    private int failed;
    private Response best;
    private boolean over;
    private ClientTransaction winner;
    private ScheduledFuture<?> noAnswer;

    public ParallelFork(SipProvider provider, Listener listener) {
        this.provider = provider;
        this.listener = listener;
    }

    /**
     * Sends {@code invites} (one per target) at once; {@code noAnswerAfter} null: no limit of our
     * own. Without an INVITE that could be sent, {@link Listener#notAnswered} runs at once.
     */
    public void start(List<Request> invites, Duration noAnswerAfter, ScheduledExecutorService timer) {
        List<ClientTransaction> toSend = new ArrayList<>();
        for (Request invite : invites) {
            try {
                ClientTransaction ct = provider.getNewClientTransaction(invite);
                ct.setApplicationData(new Branch(this));
                toSend.add(ct);
            } catch (Exception e) {
                LOG.info("INVITE to {} not made: {}", invite.getRequestURI(), e.toString());
            }
        }
        boolean none;
        synchronized (this) {
            branches.addAll(toSend); // all known before the first is sent, so "every branch failed" counts them all
            none = branches.isEmpty();
            if (!none && noAnswerAfter != null) {
                noAnswer = timer.schedule(
                        () -> {
                            if (finish()) {
                                listener.notAnswered(null);
                            }
                        },
                        noAnswerAfter.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }
        if (none) {
            if (finish()) {
                listener.notAnswered(null);
            }
            return;
        }
        for (ClientTransaction ct : toSend) {
            try {
                ct.sendRequest();
            } catch (Exception e) {
                LOG.info("INVITE to {} not sent: {}", ct.getRequest().getRequestURI(), e.toString());
                onBranch(ct, null);
            }
        }
    }

    /** Stops the fork without telling the listener: the branches that rang are cancelled. True the first time. */
    public boolean stop() {
        return finish();
    }

    /** True when {@code event} answers a branch of a fork (handled). */
    public static boolean onResponse(ResponseEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof CancelSent) {
            return true; // the answer to one of our CANCELs: nothing to do
        }
        if (ct != null && ct.getApplicationData() instanceof Branch b) {
            b.fork().onBranch(ct, event.getResponse());
            return true;
        }
        return false;
    }

    /** True when {@code event} is the timeout of a branch of a fork (counted as a failed branch). */
    public static boolean onTimeout(TimeoutEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof CancelSent) {
            return true;
        }
        if (ct != null && ct.getApplicationData() instanceof Branch b) {
            b.fork().onBranch(ct, null);
            return true;
        }
        return false;
    }

    private void onBranch(ClientTransaction ct, Response response) {
        int status = response == null ? Response.REQUEST_TIMEOUT : response.getStatusCode();
        if (status < 200) {
            boolean cancelNow;
            synchronized (this) {
                if (provisional.contains(ct)) {
                    return;
                }
                provisional.add(ct);
                cancelNow = over;
            }
            if (cancelNow) {
                cancel(ct);
            }
            return;
        }
        if (status < 300) {
            boolean first;
            boolean again;
            synchronized (this) {
                again = ct == winner;
                first = !over;
                provisional.remove(ct); // answered: not to be cancelled
                if (first) {
                    winner = ct;
                }
            }
            if (again) {
                listener.answeredAgain(ct, response);
            } else if (first && finish()) {
                listener.answered(ct, response);
            } else {
                listener.answeredLate(ct, response);
            }
            return;
        }
        boolean allFailed;
        synchronized (this) {
            failed++;
            if (best == null || best.getStatusCode() / 100 != 6) {
                best = response; // section 16.7 step 6, simplified: a 6xx over the rest, else the last
            }
            allFailed = failed >= branches.size();
        }
        if (allFailed && finish()) {
            listener.notAnswered(best);
        }
    }

    /** Ends the fork once: stops the timer, cancels the branches that rang. True the first time. */
    private boolean finish() {
        List<ClientTransaction> toCancel;
        synchronized (this) {
            if (over) {
                return false;
            }
            over = true;
            if (noAnswer != null) {
                noAnswer.cancel(false);
            }
            toCancel = List.copyOf(provisional);
        }
        toCancel.forEach(this::cancel);
        return true;
    }

    /** RFC 3261 section 9.1; the CANCEL goes where its INVITE went (the INVITE's next hop, as application data). */
    private void cancel(ClientTransaction ct) {
        try {
            Request cancel = ct.createCancel();
            Object hop = ((SIPMessage) ct.getRequest()).getApplicationData();
            if (hop != null) {
                ((SIPMessage) cancel).setApplicationData(hop);
            }
            ClientTransaction cancelTx = provider.getNewClientTransaction(cancel);
            cancelTx.setApplicationData(new CancelSent());
            cancelTx.sendRequest();
        } catch (Exception e) {
            LOG.info("CANCEL not sent: {}", e.toString());
        }
    }

    /** Marks our CANCELs' transactions: their answers matter to nobody. */
    record CancelSent() {}
}
