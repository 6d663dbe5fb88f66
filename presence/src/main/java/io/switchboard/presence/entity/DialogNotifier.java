package io.switchboard.presence.entity;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.DialogPlan;
import io.switchboard.presence.domain.NotifyComposer;
import io.switchboard.presence.domain.NotifyComposer.KnownView;
import io.switchboard.presence.domain.NotifyOutcome;
import io.switchboard.presence.domain.Rlmi;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.presence.entity.WatcherEntity.Command;
import io.switchboard.presence.entity.WatcherEntity.NotifyDone;
import io.switchboard.presence.entity.WatcherEntity.Settings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Sends the NOTIFYs of one watcher's dialogs: when a dialog's next NOTIFY may go ({@link
 * DialogPlan}), reserving the next CSeq block in the store before using it, composing the NOTIFY
 * ({@link NotifyComposer}), keeping the one in flight and what its outcome means ({@link
 * NotifyOutcome}). Kept apart from {@link WatcherBehavior}, which decides which dialogs exist and
 * what they watch: this class only moves a dialog's sending state forward, so the CSeq and
 * in-flight bookkeeping is in one place.
 */
final class DialogNotifier {

    /** What the notifier needs of its entity: the write-through lifecycle and the live dialogs. */
    interface Host {
        Instant clock();

        /** Whether a write of the entity is in flight (the entity looks at its dialogs again when it ends). */
        boolean busy();

        void store(Supplier<? extends CompletionStage<?>> io, Runnable onWritten, Consumer<Throwable> onFailed);

        /** The entity's write timestamp for the write being started: call it inside {@code io}. */
        WriteStamp stamp();

        /** The live dialog with this local tag, or null. */
        Dialog live(String localTag);

        /** Forgets the dialog and deletes its row; {@code then} once deleted. */
        void remove(Dialog d, Runnable then, Runnable onFailure);
    }

    private final String watcher;
    private final Settings settings;
    private final ActorContext<Command> ctx;
    private final Function<String, KnownView> known;
    private final Host host;

    DialogNotifier(
            String watcher,
            Settings settings,
            ActorContext<Command> ctx,
            Function<String, KnownView> known,
            Host host) {
        this.watcher = watcher;
        this.settings = settings;
        this.ctx = ctx;
        this.known = known;
        this.host = host;
    }

    /** Sends the next NOTIFY of {@code d} if one is due and allowed now ({@link DialogPlan}). */
    void flush(Dialog d) {
        if (host.busy() || host.live(d.s.localTag()) == null) {
            return; // looked at again when the write ends (onIdle)
        }
        Instant now = host.clock();
        DialogPlan.Step step = DialogPlan.next(
                d.inFlight,
                !d.awaiting.isEmpty(),
                d.pending(),
                d.lastSentAt,
                d.cseq,
                d.s.cseqCeiling(),
                now,
                settings.coalesce(),
                settings.cseqBlock());
        if (step instanceof DialogPlan.WaitUntil wait) {
            d.flushAt = earliest(d.flushAt, wait.at());
        } else if (step instanceof DialogPlan.ReserveCseqs reserve) {
            // Reserve the next block of CSeqs in Cassandra before using it.
            Subscription next = d.s.withCseqCeiling(reserve.ceiling());
            host.store(
                    () -> settings.store().put(next, now, host.stamp()),
                    () -> {
                        d.s = next;
                        flush(d);
                    },
                    failure -> d.flushAt = host.clock().plusSeconds(1));
        } else if (step instanceof DialogPlan.Send) {
            send(d, NotifyComposer.active(d.s, now), now);
        }
    }

    private void send(Dialog d, String subscriptionState, Instant now) {
        d.cseq++;
        d.lastSentAt = now;
        NotifySender.Notify notify = compose(d, subscriptionState);
        d.inFlight = true;
        ctx.getLog().debug("NOTIFY {} CSeq {} to {} ({})", d.s.localTag(), d.cseq, watcher, subscriptionState);
        long cseq = d.cseq;
        String tag = d.s.localTag();
        ctx.pipeToSelf(
                settings.notifier().send(notify),
                (outcome, failure) -> new NotifyDone(tag, cseq, failure != null ? NotifyOutcome.NOT_SENT : outcome));
    }

    /**
     * Ends a dialog with a final NOTIFY (RFC 6665 section 4.2.2) and forgets it. The final NOTIFY
     * goes out only once the dialog's row is deleted: its CSeq may lie above the stored ceiling,
     * and a dialog still stored could be resumed by another node with that CSeq. If the delete
     * fails nothing is sent (the subscription stays stored and expires by TTL).
     */
    void terminate(Dialog d, String reason, Runnable afterRemoval, Runnable onFailure) {
        if (host.live(d.s.localTag()) == null) {
            return;
        }
        d.fullStateNext = true;
        d.awaiting.clear();
        d.cseq++;
        NotifySender.Notify last = compose(d, "terminated;reason=" + reason);
        host.remove(
                d,
                () -> {
                    settings.notifier().send(last);
                    afterRemoval.run();
                },
                onFailure);
    }

    /** Dialogs that wanted to send while a write was in flight: flushed until a write starts. */
    void onIdle(Collection<Dialog> dialogs) {
        for (Dialog d : new ArrayList<>(dialogs)) {
            if (host.busy()) {
                break;
            }
            if (d.pending() && d.flushAt == null) {
                flush(d);
            }
        }
    }

    /** The NOTIFY of {@code d} with its current CSeq; what it sends counts as sent. */
    private NotifySender.Notify compose(Dialog d, String subscriptionState) {
        NotifyComposer.Composed c = NotifyComposer.compose(
                d.s, d.cseq, subscriptionState, d.fullStateNext, new ArrayList<>(d.dirty), known, Rlmi.newBoundary());
        d.sent.putAll(c.sent());
        d.dirty.clear();
        d.fullStateNext = false;
        return new NotifySender.Notify(d.s, d.cseq, c.subscriptionState(), c.contentType(), c.body(), c.eventlist());
    }

    /** The outcome of a NOTIFY: the next may go, or the subscription has ended ({@link NotifyOutcome}). */
    void onNotifyDone(NotifyDone done) {
        Dialog d = host.live(done.localTag());
        if (d == null || d.cseq != done.cseq()) {
            return;
        }
        d.inFlight = false;
        ctx.getLog().debug("NOTIFY {} CSeq {}: {}", done.localTag(), done.cseq(), done.outcome());
        if (done.outcome() == NotifyOutcome.ENDS_SUBSCRIPTION) {
            ctx.getLog().debug("Subscription {} of {} ended by its NOTIFY's outcome", done.localTag(), watcher);
            host.remove(d, () -> {}, () -> {});
            return;
        }
        if (done.outcome() == NotifyOutcome.DELIVERED) {
            d.failedNotifies = 0;
        } else {
            // FAILED_KEEP or NOT_SENT: the subscriber does not have what this NOTIFY carried, and
            // nothing else would send it again before the next change; the whole state goes again
            // after a wait that grows with each failure in a row
            d.failedNotifies++;
            d.fullStateNext = true;
            d.flushAt = earliest(d.flushAt, host.clock().plus(DialogPlan.retryAfterFailure(d.failedNotifies)));
            ctx.getLog()
                    .debug(
                            "NOTIFY {} CSeq {} did not arrive ({}), failure {} in a row: state again at {}",
                            done.localTag(),
                            done.cseq(),
                            done.outcome(),
                            d.failedNotifies,
                            d.flushAt);
            return;
        }
        flush(d);
    }

    static Instant earliest(Instant a, Instant b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }
}
