package io.switchboard.conference.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@link DialogStore} on Cassandra, tables {@code conference_legs} and {@code conference_subscriptions} of {@value #SCHEMA}. */
public final class CassandraDialogStore implements DialogStore {

    public static final String SCHEMA = "conference/legs.cql";

    private static final String LEG_COLUMNS = "conference_id, leg_id, conference_uri, holder, transport, local_tag, "
            + "local_uri, remote_uri, remote_tag, remote_target, route_set, cseq_ceiling, offer, sent_sdp, mixer, "
            + "mixer_call_id, mixer_local_tag, mixer_remote_tag, mixer_target, mixer_route_set, mixer_cseq_ceiling";
    private static final String SUBSCRIPTION_COLUMNS = "conference_id, call_id, holder, transport, local_tag, "
            + "local_uri, remote_uri, remote_tag, remote_target, route_set, cseq_ceiling, event_id, expires_at, "
            + "version_ceiling";

    private final CqlSession session;
    private final PreparedStatement insertLeg;
    private final PreparedStatement selectLeg;
    private final PreparedStatement deleteLeg;
    private final PreparedStatement claimLeg;
    private final PreparedStatement legHolders;
    private final PreparedStatement insertSubscription;
    private final PreparedStatement selectSubscription;
    private final PreparedStatement deleteSubscription;
    private final PreparedStatement claimSubscription;
    private final PreparedStatement subscriptionHolders;

    public CassandraDialogStore(CqlSession session) {
        this.session = session;
        this.insertLeg = session.prepare("INSERT INTO conference_legs (" + LEG_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        this.selectLeg = session.prepare(
                "SELECT " + LEG_COLUMNS + " FROM conference_legs WHERE conference_id = ? AND leg_id = ?");
        this.deleteLeg = session.prepare("DELETE FROM conference_legs WHERE conference_id = ? AND leg_id = ?");
        this.claimLeg = session.prepare("UPDATE conference_legs SET holder = ?, cseq_ceiling = ?, "
                + "mixer_cseq_ceiling = ? WHERE conference_id = ? AND leg_id = ? IF holder = ?");
        this.legHolders = session.prepare("SELECT conference_id, leg_id, holder FROM conference_legs");
        this.insertSubscription = session.prepare("INSERT INTO conference_subscriptions (" + SUBSCRIPTION_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        this.selectSubscription = session.prepare("SELECT " + SUBSCRIPTION_COLUMNS
                + " FROM conference_subscriptions WHERE conference_id = ? AND call_id = ?");
        this.deleteSubscription =
                session.prepare("DELETE FROM conference_subscriptions WHERE conference_id = ? AND call_id = ?");
        this.claimSubscription = session.prepare("UPDATE conference_subscriptions SET holder = ?, cseq_ceiling = ?, "
                + "version_ceiling = ? WHERE conference_id = ? AND call_id = ? IF holder = ?");
        this.subscriptionHolders =
                session.prepare("SELECT conference_id, call_id, holder FROM conference_subscriptions");
    }

    @Override
    public CompletionStage<Void> saveLeg(Leg l) {
        Dialog p = l.participant();
        Dialog m = l.mixerDialog();
        return session.executeAsync(insertLeg.bind(
                        l.conferenceId(),
                        p.callId(),
                        l.conferenceUri(),
                        l.holder(),
                        l.transport(),
                        p.localTag(),
                        p.localUri(),
                        p.remoteUri(),
                        p.remoteTag(),
                        p.remoteTarget(),
                        p.routeSet(),
                        p.cseqCeiling(),
                        bytes(l.offer()),
                        bytes(l.sentSdp()),
                        l.mixer(),
                        m == null ? null : m.callId(),
                        m == null ? null : m.localTag(),
                        m == null ? null : m.remoteTag(),
                        m == null ? null : m.remoteTarget(),
                        m == null ? List.of() : m.routeSet(),
                        m == null ? 0L : m.cseqCeiling()))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Optional<Leg>> leg(String conferenceId, String legId) {
        return session.executeAsync(selectLeg.bind(conferenceId, legId)).thenApply(rs -> {
            Row r = rs.one();
            if (r == null || r.isNull("holder")) {
                return Optional.empty();
            }
            String conferenceUri = r.getString("conference_uri");
            Dialog participant = new Dialog(
                    legId,
                    r.getString("local_tag"),
                    r.getString("local_uri"),
                    r.getString("remote_uri"),
                    r.getString("remote_tag"),
                    r.getString("remote_target"),
                    r.getList("route_set", String.class),
                    r.getLong("cseq_ceiling"));
            Dialog mixer = r.isNull("mixer_call_id")
                    ? null
                    : new Dialog(
                            r.getString("mixer_call_id"),
                            r.getString("mixer_local_tag"),
                            conferenceUri,
                            r.getString("mixer"),
                            r.getString("mixer_remote_tag"),
                            r.getString("mixer_target"),
                            r.getList("mixer_route_set", String.class),
                            r.getLong("mixer_cseq_ceiling"));
            return Optional.of(new Leg(
                    conferenceId,
                    conferenceUri,
                    r.getString("holder"),
                    r.getString("transport"),
                    participant,
                    bytes(r.getByteBuffer("offer")),
                    bytes(r.getByteBuffer("sent_sdp")),
                    r.getString("mixer"),
                    mixer));
        });
    }

    @Override
    public CompletionStage<Void> deleteLeg(String conferenceId, String legId) {
        return session.executeAsync(deleteLeg.bind(conferenceId, legId)).thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Boolean> claimLeg(
            String conferenceId, String legId, String from, String to, long cseqCeiling, long mixerCseqCeiling) {
        return session.executeAsync(claimLeg.bind(to, cseqCeiling, mixerCseqCeiling, conferenceId, legId, from))
                .thenApply(AsyncResultSet::wasApplied);
    }

    @Override
    public CompletionStage<List<Held>> legHolders() {
        return session.executeAsync(legHolders.bind()).thenCompose(rs -> all(rs, new ArrayList<>()));
    }

    @Override
    public CompletionStage<Void> saveSubscription(Subscription s) {
        Dialog d = s.dialog();
        return session.executeAsync(insertSubscription.bind(
                        s.conferenceId(),
                        d.callId(),
                        s.holder(),
                        s.transport(),
                        d.localTag(),
                        d.localUri(),
                        d.remoteUri(),
                        d.remoteTag(),
                        d.remoteTarget(),
                        d.routeSet(),
                        d.cseqCeiling(),
                        s.eventId(),
                        s.expiresAt(),
                        s.versionCeiling()))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Optional<Subscription>> subscription(String conferenceId, String callId) {
        return session.executeAsync(selectSubscription.bind(conferenceId, callId))
                .thenApply(rs -> {
                    Row r = rs.one();
                    if (r == null || r.isNull("holder")) {
                        return Optional.empty();
                    }
                    return Optional.of(new Subscription(
                            conferenceId,
                            r.getString("holder"),
                            r.getString("transport"),
                            new Dialog(
                                    callId,
                                    r.getString("local_tag"),
                                    r.getString("local_uri"),
                                    r.getString("remote_uri"),
                                    r.getString("remote_tag"),
                                    r.getString("remote_target"),
                                    r.getList("route_set", String.class),
                                    r.getLong("cseq_ceiling")),
                            r.getString("event_id"),
                            r.getInstant("expires_at"),
                            r.getLong("version_ceiling")));
                });
    }

    @Override
    public CompletionStage<Void> deleteSubscription(String conferenceId, String callId) {
        return session.executeAsync(deleteSubscription.bind(conferenceId, callId))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Boolean> claimSubscription(
            String conferenceId, String callId, String from, String to, long cseqCeiling, long versionCeiling) {
        return session.executeAsync(claimSubscription.bind(to, cseqCeiling, versionCeiling, conferenceId, callId, from))
                .thenApply(AsyncResultSet::wasApplied);
    }

    @Override
    public CompletionStage<List<Held>> subscriptionHolders() {
        return session.executeAsync(subscriptionHolders.bind()).thenCompose(rs -> all(rs, new ArrayList<>()));
    }

    /** Every page, each fetched asynchronously (a synchronous fetch would block the driver's thread). */
    private static CompletionStage<List<Held>> all(AsyncResultSet rs, List<Held> out) {
        for (Row row : rs.currentPage()) {
            out.add(new Held(row.getString(0), row.getString(1), row.getString(2)));
        }
        return rs.hasMorePages()
                ? rs.fetchNextPage().thenCompose(next -> all(next, out))
                : CompletableFuture.completedFuture(out);
    }

    private static ByteBuffer bytes(byte[] b) {
        return b == null ? null : ByteBuffer.wrap(b);
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
