package io.switchboard.conference.sip;

import io.switchboard.conference.store.DialogStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the dialogs this node holds to the {@link DialogStore} (conferencing-focus/README.md,
 * "Surviving a node"): a participant leg with both of its dialogs, a conference-info subscription.
 * CSeqs (and a subscription's RFC 4575 versions) are reserved in blocks, as presence does for its
 * NOTIFY dialogs: the stored ceiling is {@value #BLOCK} above the last one used when the row is
 * written, and when the next one comes within half a block of it, the next block is stored; so a
 * node that resumes a dialog after this one died starts above the ceiling and never reuses a
 * number the subscriber or participant has seen (RFC 3261 section 12.2.1.1, RFC 4575 section 4.6).
 */
final class DialogRecords {

    private static final Logger LOG = LoggerFactory.getLogger(DialogRecords.class);

    /** CSeqs (and versions) reserved per stored row. */
    static final long BLOCK = 100;

    private final DialogStore store;
    private volatile String self = "";

    /** @param store null: nothing is stored (a node without Cassandra for the focus; tests of one node) */
    DialogRecords(DialogStore store) {
        this.store = store;
    }

    DialogStore store() {
        return store;
    }

    /** This node's name as a holder of rows: its cluster member's unique address. */
    String self() {
        return self;
    }

    void self(String self) {
        this.self = self;
    }

    /** Stores {@code leg} as it is now, both of its dialogs with a fresh block of CSeqs. */
    CompletionStage<Void> save(FocusLeg leg) {
        if (store == null) {
            return CompletableFuture.completedFuture(null);
        }
        DialogSide p = leg.participant;
        DialogSide m;
        String mixer;
        synchronized (leg) {
            m = leg.mixerLeg;
            mixer = leg.mixer;
        }
        long pc = nextCeiling(p);
        long mc = m == null ? 0 : nextCeiling(m);
        if (p.nearCeiling == null) {
            p.nearCeiling = () -> save(leg);
        }
        if (m != null && m.nearCeiling == null) {
            m.nearCeiling = () -> save(leg);
        }
        DialogStore.Leg row = new DialogStore.Leg(
                leg.conferenceId,
                leg.conferenceUri,
                self,
                leg.transport,
                p.stored(pc),
                leg.offer,
                leg.sentSdp,
                mixer,
                m == null ? null : m.stored(mc));
        return store.saveLeg(row).thenRun(() -> {
            raise(p, pc);
            if (m != null) {
                raise(m, mc);
            }
        });
    }

    /** {@link #save}, logging a failure instead of reporting it (the change it records has happened anyway). */
    void saveLater(FocusLeg leg) {
        save(leg).whenComplete((v, f) -> {
            if (f != null) {
                LOG.warn("Leg {} of conference {} not stored: {}", leg.legId, leg.conferenceId, f.toString());
            }
        });
    }

    void forget(FocusLeg leg) {
        if (store != null) {
            store.deleteLeg(leg.conferenceId, leg.legId).whenComplete((v, f) -> {
                if (f != null) {
                    LOG.warn("Stored leg {} not deleted: {}", leg.legId, f.toString());
                }
            });
        }
    }

    /** Stores {@code s} with fresh blocks of CSeqs and versions; call holding its lock. */
    CompletionStage<Void> save(ConferenceInfoSubscriptions.Subscription s) {
        if (store == null) {
            return CompletableFuture.completedFuture(null);
        }
        DialogSide d = s.dialog;
        long cseqCeiling = nextCeiling(d);
        long versionCeiling = Math.max(s.versionCeiling, s.version + BLOCK);
        if (d.nearCeiling == null) {
            d.nearCeiling = () -> {
                synchronized (s) {
                    saveLater(s);
                }
            };
        }
        DialogStore.Subscription row = new DialogStore.Subscription(
                s.conferenceId, self, s.transport, d.stored(cseqCeiling), s.eventId, s.expiresAt, versionCeiling);
        return store.saveSubscription(row).thenRun(() -> {
            raise(d, cseqCeiling);
            synchronized (s) {
                s.versionCeiling = Math.max(s.versionCeiling, versionCeiling);
            }
        });
    }

    void saveLater(ConferenceInfoSubscriptions.Subscription s) {
        save(s).whenComplete((v, f) -> {
            if (f != null) {
                LOG.warn("Conference-info subscription {} not stored: {}", s.dialog.callId, f.toString());
            }
        });
    }

    void forget(ConferenceInfoSubscriptions.Subscription s) {
        if (store != null) {
            store.deleteSubscription(s.conferenceId, s.dialog.callId).whenComplete((v, f) -> {
                if (f != null) {
                    LOG.warn("Stored subscription {} not deleted: {}", s.dialog.callId, f.toString());
                }
            });
        }
    }

    /** A block above the last CSeq used, never below the ceiling already stored. */
    private static long nextCeiling(DialogSide d) {
        long wanted = d.cseq.get() - 1 + BLOCK;
        long stored = d.ceiling;
        return stored == Long.MAX_VALUE ? wanted : Math.max(stored, wanted);
    }

    private static void raise(DialogSide d, long ceiling) {
        synchronized (d) {
            d.ceiling = d.ceiling == Long.MAX_VALUE ? ceiling : Math.max(d.ceiling, ceiling);
        }
    }
}
