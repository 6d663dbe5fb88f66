package io.switchboard.proxy.domain;

import io.switchboard.proxy.domain.ForkAction.Answer;
import io.switchboard.proxy.domain.ForkAction.ForwardStateless;
import io.switchboard.proxy.domain.ForkAction.RelayFinal;
import io.switchboard.proxy.domain.ForkAction.RelayProvisional;
import io.switchboard.proxy.domain.ForkAction.SendCancel;
import io.switchboard.proxy.domain.ForkAction.SendTrying;
import io.switchboard.proxy.domain.ForkAction.StartBranch;
import io.switchboard.proxy.domain.ForkAction.StartTimer;
import io.switchboard.proxy.domain.ForkAction.StopTimer;
import io.switchboard.proxy.domain.ForkAction.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The response context of one proxied request (RFC 3261 section 16.7) as a state machine: it is
 * told what happened (a branch's response, a timeout, Timer C, the caller's CANCEL) and answers
 * with the {@link ForkAction}s to take. It knows nothing of SIP messages, threads or clocks: the
 * adapter ({@code io.switchboard.proxy.sip.StatefulProxy}) feeds it events under one lock per
 * request and performs what it returns, in order.
 *
 * <p>Rules, by section:
 * <ul>
 *   <li>16.2/16.8: an INVITE is answered 100 at once and starts Timer C.</li>
 *   <li>16.7 step 5: provisional responses (not 100) go upstream until a final one has; the first
 *       2xx goes upstream at once and the other branches are cancelled; later 2xx to an INVITE go
 *       upstream statelessly; a 6xx cancels the other branches (and any forwarding still due).</li>
 *   <li>16.7 step 6: when every branch has a final response, the best one goes upstream
 *       ({@link ResponseSelection}); a branch no endpoint answered (timeout, transport error, or
 *       RFC 5626 section 5.3's 430 Flow Failed) loses to any real answer, and when nothing else is
 *       left the caller gets 430 if the request was steered into a flow, else 480.</li>
 *   <li>16.7 step 7: a 401/407 upstream carries the challenges of every branch.</li>
 *   <li>16.8: when Timer C fires, ringing branches are cancelled, the others count as 408.</li>
 *   <li>16.10: the caller's CANCEL cancels every pending branch and the caller gets 487 at once.</li>
 *   <li>9.1: a branch is cancelled only after a provisional response; before that the CANCEL is
 *       held and sent when the first provisional response arrives.</li>
 * </ul>
 * Call forwarding on no answer: the forwarding targets are started when the no-answer timer fires
 * (ringing branches are cancelled and no longer count) or when every branch failed before it
 * (except with a 6xx, which ends the fork).
 *
 * <p>Not thread-safe: one instance per request, fed under the request's lock.
 */
public final class Fork {

    private static final int REQUEST_TIMEOUT = 408;
    private static final int SERVICE_UNAVAILABLE = 503;
    private static final int FLOW_FAILED = 430;

    private final boolean invite;
    private final boolean flowRouted;
    private final Duration timerC;

    private final List<Branch> branches = new ArrayList<>(4);
    private final EnumSet<Timer> running = EnumSet.noneOf(Timer.class);
    private boolean finalSent;
    /** Targets still to be rung (call forwarding on no answer); the fork is not over while they are due. */
    private List<Target> pendingForward;

    /**
     * @param invite     true for an INVITE: the only method with provisional responses worth a
     *                   CANCEL, Timer C and 100 Trying
     * @param flowRouted true when a Route of ours steered the request into one of our flows: if
     *                   that flow is dead the caller must learn it (430, RFC 5626 section 5.3)
     * @param timerC     RFC 3261 section 16.8 (more than 3 minutes)
     */
    public Fork(boolean invite, boolean flowRouted, Duration timerC) {
        this.invite = invite;
        this.flowRouted = flowRouted;
        this.timerC = timerC;
    }

    /** True once the caller has a final response (ours or a branch's). */
    public boolean finalSent() {
        return finalSent;
    }

    /** The branches started so far. */
    public int branchCount() {
        return branches.size();
    }

    // ------------------------------------------------------------------ events

    /** The request was accepted for forwarding (it passed the {@link LoopGuard}). */
    public List<ForkAction> received() {
        if (!invite) {
            return List.of();
        }
        running.add(Timer.C);
        return List.of(new SendTrying(), new StartTimer(Timer.C, timerC));
    }

    /**
     * The targets are known: ring {@code now}; when nobody answers within {@code after}, ring
     * {@code later} instead. Nobody to ring now: {@code later} at once; nobody at all: 480.
     */
    public List<ForkAction> start(List<Target> now, List<Target> later, Duration after) {
        return start(now, later, after, null);
    }

    /**
     * The same; {@code warningIfNobody}: the Warning header value (RFC 3261 section 20.43) of the 480 when there is
     * nobody to ring at all, or null for none.
     */
    public List<ForkAction> start(List<Target> now, List<Target> later, Duration after, String warningIfNobody) {
        List<ForkAction> out = new ArrayList<>();
        if (finalSent) {
            return out;
        }
        if (now.isEmpty()) {
            if (later.isEmpty()) {
                return refuse(480, "No reachable contact", 0, warningIfNobody);
            }
            now = later;
            later = List.of();
        }
        if (!later.isEmpty()) {
            pendingForward = List.copyOf(later);
            running.add(Timer.NO_ANSWER);
            out.add(new StartTimer(Timer.NO_ANSWER, after));
        }
        for (Target t : now) {
            startBranch(out, t);
        }
        return out;
    }

    /** We answer the request ourselves (no such user, lookup failed), unless the caller has a final response. */
    public List<ForkAction> refuse(int status, String reason, int retryAfter) {
        return refuse(status, reason, retryAfter, null);
    }

    /** The same, with a Warning header value (RFC 3261 section 20.43), or null for none. */
    public List<ForkAction> refuse(int status, String reason, int retryAfter, String warning) {
        List<ForkAction> out = new ArrayList<>();
        if (!finalSent) {
            finalSent = true;
            out.add(new Answer(status, reason, retryAfter, warning));
            finish(out);
        }
        return out;
    }

    /** A 1xx from a branch. */
    public List<ForkAction> provisional(int branch, int status) {
        List<ForkAction> out = new ArrayList<>();
        if (status == 100) {
            return out; // hop by hop: ours went upstream already
        }
        Branch b = branches.get(branch);
        b.provisional = true;
        if (b.cancelWanted && !b.cancelSent) {
            b.cancelSent = true;
            out.add(new SendCancel(branch));
        } else if (!finalSent && !b.superseded) {
            out.add(new RelayProvisional(branch));
        }
        return out;
    }

    /** A 2xx from a branch. */
    public List<ForkAction> success(int branch, int status) {
        List<ForkAction> out = new ArrayList<>();
        Branch b = branches.get(branch);
        b.done = true;
        b.answered = true;
        b.candidate = new ResponseSelection.Candidate(status, true);
        if (!finalSent) {
            finalSent = true;
            out.add(new RelayFinal(branch, status, List.of()));
            finish(out);
            cancelOthers(out, b);
        } else if (invite) {
            out.add(new ForwardStateless(branch));
        }
        return out;
    }

    /**
     * A 3xx-6xx from a branch. {@code toTagged}: the response carries a To tag, so an endpoint made
     * it; a 408 or 503 without one was made by a proxy or the stack on the way (section 8.2.6.2).
     */
    public List<ForkAction> failure(int branch, int status, boolean toTagged) {
        List<ForkAction> out = new ArrayList<>();
        Branch b = branches.get(branch);
        boolean fromEndpoint =
                status != FLOW_FAILED && !((status == SERVICE_UNAVAILABLE || status == REQUEST_TIMEOUT) && !toTagged);
        if (status >= 600 && invite) {
            dropForward(out); // a 6xx ends the fork, forwarding included (section 16.7 step 5)
            cancelOthers(out, b);
        }
        finishBranch(out, b, new ResponseSelection.Candidate(status, fromEndpoint), true);
        return out;
    }

    /** The branch's transaction timed out (Timer B or F): nobody answered. */
    public List<ForkAction> timeout(int branch) {
        List<ForkAction> out = new ArrayList<>();
        finishBranch(out, branches.get(branch), new ResponseSelection.Candidate(REQUEST_TIMEOUT, false), false);
        return out;
    }

    /** The branch's request could not be sent at all (no route, connection refused). */
    public List<ForkAction> transportError(int branch) {
        List<ForkAction> out = new ArrayList<>();
        Branch b = branches.get(branch);
        b.failed = true;
        finishBranch(out, b, new ResponseSelection.Candidate(SERVICE_UNAVAILABLE, false), false);
        return out;
    }

    /**
     * The branch's current target failed (transaction timeout, transport error, or a 503) and the
     * same next hop has another target (RFC 3263 section 4.3): whether the branch may try it with
     * a new transaction. Only a branch still wanted may: nothing final went upstream, it is not
     * cancelled or waiting to be, and no forwarding replaced it. A retried branch has had no
     * provisional response on its new transaction, so a CANCEL waits for one (section 9.1).
     */
    public boolean failOver(int branch) {
        Branch b = branches.get(branch);
        if (finalSent || b.done || b.cancelWanted || b.cancelSent || b.superseded) {
            return false;
        }
        b.provisional = false;
        b.failed = false;
        return true;
    }

    /** Section 16.8: Timer C fired. */
    public List<ForkAction> timerC() {
        List<ForkAction> out = new ArrayList<>();
        running.remove(Timer.C);
        if (finalSent) {
            return out;
        }
        dropForward(out);
        for (Branch b : branches) {
            if (!b.done) {
                requestCancel(out, b);
                b.done = true;
                b.candidate = new ResponseSelection.Candidate(REQUEST_TIMEOUT, true);
            }
        }
        maybeComplete(out);
        return out;
    }

    /** Call forwarding on no answer: the ringing branches give way to the forwarding targets. */
    public List<ForkAction> noAnswerTimer() {
        List<ForkAction> out = new ArrayList<>();
        running.remove(Timer.NO_ANSWER);
        if (finalSent || pendingForward == null) {
            return out;
        }
        List<Target> forward = pendingForward;
        pendingForward = null;
        for (Branch b : branches) {
            b.superseded = true;
            if (!b.done) {
                b.done = true;
                requestCancel(out, b);
            }
        }
        for (Target t : forward) {
            startBranch(out, t);
        }
        return out;
    }

    /**
     * Section 16.10: the caller cancelled. Every pending branch is cancelled and the caller gets
     * 487 now rather than after every branch's 487: a branch that never answered would hold the
     * caller for Timer B. A 2xx racing the CANCEL still goes upstream ({@link ForwardStateless}).
     */
    public List<ForkAction> callerCancel() {
        List<ForkAction> out = new ArrayList<>();
        if (finalSent) {
            return out;
        }
        dropForward(out);
        for (Branch b : branches) {
            if (!b.done) {
                requestCancel(out, b);
            }
        }
        answer(out, 487, null, 0);
        return out;
    }

    // ------------------------------------------------------------------ internals

    private void startBranch(List<ForkAction> out, Target target) {
        branches.add(new Branch());
        out.add(new StartBranch(branches.size() - 1, target));
    }

    private void finishBranch(List<ForkAction> out, Branch b, ResponseSelection.Candidate candidate, boolean answered) {
        if (b.done) {
            return;
        }
        b.done = true;
        b.candidate = candidate;
        b.answered = answered;
        maybeComplete(out);
    }

    /** When every branch has its final response, the best one goes upstream (section 16.7 step 6). */
    private void maybeComplete(List<ForkAction> out) {
        if (finalSent) {
            return;
        }
        for (Branch b : branches) {
            if (!b.done) {
                return;
            }
        }
        if (pendingForward != null) {
            // Everyone declined or failed before the no-answer time: forward now.
            List<Target> forward = pendingForward;
            dropForward(out);
            for (Branch b : branches) {
                b.superseded = true;
            }
            for (Target t : forward) {
                startBranch(out, t);
            }
            return;
        }
        List<Integer> candidates = new ArrayList<>(branches.size());
        List<ResponseSelection.Candidate> codes = new ArrayList<>(branches.size());
        for (int i = 0; i < branches.size(); i++) {
            Branch b = branches.get(i);
            if (!b.superseded) {
                candidates.add(i);
                codes.add(b.candidate);
            }
        }
        int best = ResponseSelection.best(codes);
        if (best < 0) {
            answer(out, 480, "No reachable contact", 0);
            return;
        }
        int chosen = candidates.get(best);
        ResponseSelection.Candidate candidate = codes.get(best);
        if (!candidate.fromEndpoint()) {
            if (flowRouted) {
                answer(out, FLOW_FAILED, "Flow Failed", 0); // RFC 5626 section 5.3
            } else {
                answer(out, 480, "No reachable contact", 0);
            }
            return;
        }
        int upstream = ResponseSelection.upstreamStatus(candidate);
        if (upstream != candidate.status() || !branches.get(chosen).answered) {
            // 503 becomes 500 (section 16.7 step 6); Timer C's 408 has no response to relay (section 16.8)
            answer(out, upstream, null, 0);
            return;
        }
        List<Integer> challenges = new ArrayList<>();
        if (upstream == 401 || upstream == 407) {
            for (int i : candidates) {
                if (i != chosen && branches.get(i).answered) {
                    challenges.add(i);
                }
            }
        }
        finalSent = true;
        out.add(new RelayFinal(chosen, upstream, challenges));
        finish(out);
    }

    private void answer(List<ForkAction> out, int status, String reason, int retryAfter) {
        finalSent = true;
        out.add(new Answer(status, reason, retryAfter));
        finish(out);
    }

    /** The caller has its final response: no timer matters any more, and no branch will be added. */
    private void finish(List<ForkAction> out) {
        for (Timer t : running) {
            out.add(new StopTimer(t));
        }
        running.clear();
        pendingForward = null;
    }

    private void dropForward(List<ForkAction> out) {
        pendingForward = null;
        if (running.remove(Timer.NO_ANSWER)) {
            out.add(new StopTimer(Timer.NO_ANSWER));
        }
    }

    private void cancelOthers(List<ForkAction> out, Branch except) {
        for (Branch other : branches) {
            if (other != except && !other.done) {
                requestCancel(out, other);
            }
        }
    }

    /** CANCEL a pending INVITE branch, or hold the CANCEL until it has rung (section 9.1). */
    private void requestCancel(List<ForkAction> out, Branch b) {
        if (!invite || b.cancelSent || b.failed) {
            return;
        }
        if (b.provisional) {
            b.cancelSent = true;
            out.add(new SendCancel(branches.indexOf(b)));
        } else {
            b.cancelWanted = true;
        }
    }

    /** What became of one branch. */
    private static final class Branch {
        boolean provisional;
        boolean done;
        /** Replaced by a forwarding target: its answer no longer counts. */
        boolean superseded;
        /** CANCEL wanted before any provisional response: sent when one arrives. */
        boolean cancelWanted;

        boolean cancelSent;
        /** Never sent: there is no transaction to cancel. */
        boolean failed;
        /** Its final response came from the network, so the adapter holds it and can relay it. */
        boolean answered;

        ResponseSelection.Candidate candidate;
    }
}
