package io.switchboard.conference.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.conference.domain.AccessType;
import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.Expiry;
import io.switchboard.conference.domain.JoinerKind;
import io.switchboard.conference.domain.LobbyReason;
import io.switchboard.conference.domain.Participant;
import io.switchboard.conference.domain.ParticipantStatus;
import io.switchboard.conference.domain.Presenters;
import io.switchboard.conference.domain.Role;
import io.switchboard.conference.domain.Roster;
import io.switchboard.entity.fence.WriteStamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** {@link ConferenceStore} on Cassandra, tables {@code conferences} and {@code conference_numbers} of {@value #SCHEMA}. */
public final class CassandraConferenceStore implements ConferenceStore {

    public static final String SCHEMA = "conference/schema.cql";

    private final CqlSession session;
    private final PreparedStatement select;
    private final PreparedStatement insertDefinition;
    private final PreparedStatement updateHeader;
    private final PreparedStatement upsertLeg;
    private final PreparedStatement deleteLeg;
    private final PreparedStatement deleteConference;
    private final PreparedStatement deleteLegsBefore;
    private final PreparedStatement claimNumber;
    private final PreparedStatement selectNumber;
    private final PreparedStatement releaseNumber;
    private final PreparedStatement selectIds;

    public CassandraConferenceStore(CqlSession session) {
        this.session = session;
        this.select = session.prepare("SELECT domain, numeric_id, organizer, subject, access, invitees, presenters, "
                + "presenters_everyone, lobby_bypass, participant_limit, scheduled_end, keep_ms, grace_ms, created_at, "
                + "version, locked, ended, empty_since, leg_id, user_uri, kind, role, status, lobby_reason, since "
                + "FROM conferences WHERE conference_id = ?");
        this.insertDefinition = session.prepare(
                "INSERT INTO conferences (conference_id, domain, numeric_id, organizer, "
                        + "subject, access, invitees, presenters, presenters_everyone, lobby_bypass, participant_limit, "
                        + "scheduled_end, keep_ms, grace_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        this.updateHeader =
                session.prepare("UPDATE conferences SET version = ?, locked = ?, ended = ?, empty_since = ? "
                        + "WHERE conference_id = ?");
        this.upsertLeg =
                session.prepare("INSERT INTO conferences (conference_id, leg_id, user_uri, kind, role, status, "
                        + "lobby_reason, since) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        this.deleteLeg = session.prepare("DELETE FROM conferences WHERE conference_id = ? AND leg_id = ?");
        this.deleteConference = session.prepare("DELETE FROM conferences WHERE conference_id = ?");
        // a range deletion over every leg row (leg ids are never empty), its own timestamp inside the batch
        this.deleteLegsBefore =
                session.prepare("DELETE FROM conferences USING TIMESTAMP ? WHERE conference_id = ? AND leg_id >= ''");
        this.claimNumber = session.prepare(
                "INSERT INTO conference_numbers (numeric_id, conference_id) VALUES (?, ?) IF NOT EXISTS");
        this.selectNumber = session.prepare("SELECT conference_id FROM conference_numbers WHERE numeric_id = ?");
        this.selectIds = session.prepare("SELECT DISTINCT conference_id FROM conferences");
        this.releaseNumber =
                session.prepare("DELETE FROM conference_numbers WHERE numeric_id = ? IF conference_id = ?");
    }

    @Override
    public CompletionStage<List<String>> ids() {
        List<String> ids = new ArrayList<>();
        return session.executeAsync(selectIds.bind()).thenCompose(rs -> allIds(rs, ids));
    }

    /** Every page, each fetched asynchronously (a synchronous fetch would block the driver's thread). */
    private static CompletionStage<List<String>> allIds(
            com.datastax.oss.driver.api.core.cql.AsyncResultSet rs, List<String> ids) {
        for (Row row : rs.currentPage()) {
            ids.add(row.getString(0));
        }
        return rs.hasMorePages()
                ? rs.fetchNextPage().thenCompose(next -> allIds(next, ids))
                : java.util.concurrent.CompletableFuture.completedFuture(ids);
    }

    @Override
    public CompletionStage<Optional<Stored>> load(String conferenceId) {
        return session.executeAsync(select.bind(conferenceId)).thenApply(rs -> {
            // a conference has at most its limit of legs: one page of the default size (5,000) or a
            // few; the synchronous fetch of later pages would block the driver thread, so they are
            // refused instead of read (the limit is capped at Conference.MAX_LIMIT)
            List<Row> rows = new ArrayList<>();
            rs.currentPage().forEach(rows::add);
            if (rs.hasMorePages()) {
                throw new IllegalStateException("conference " + conferenceId + " has more legs than one page");
            }
            if (rows.isEmpty() || rows.get(0).isNull("version")) {
                return Optional.empty();
            }
            Row first = rows.get(0);
            Conference conference = toConference(conferenceId, first);
            List<Participant> legs = new ArrayList<>();
            for (Row row : rows) {
                if (!row.isNull("leg_id")) {
                    legs.add(toParticipant(row));
                }
            }
            // joining order as far as the rows tell it: by since (the join, or the admission)
            legs.sort(Comparator.comparing(Participant::since).thenComparing(Participant::legId));
            Map<String, Participant> byLeg = new LinkedHashMap<>();
            legs.forEach(p -> byLeg.put(p.legId(), p));
            Roster roster = new Roster(
                    first.getLong("version"),
                    first.getBoolean("locked"),
                    first.getBoolean("ended"),
                    first.getInstant("empty_since"),
                    byLeg);
            return Optional.of(new Stored(conference, roster));
        });
    }

    @Override
    public CompletionStage<Void> create(Conference c, Roster roster, WriteStamp stamp) {
        BatchStatementBuilder batch = BatchStatement.builder(BatchType.UNLOGGED);
        addDefinition(batch, c);
        addRoster(batch, c.id(), Map.of(), roster);
        return execute(batch, stamp);
    }

    private void addDefinition(BatchStatementBuilder batch, Conference c) {
        Expiry.Scheduled scheduled = c.expiry() instanceof Expiry.Scheduled s ? s : null;
        Expiry.AdHoc adHoc = c.expiry() instanceof Expiry.AdHoc a ? a : null;
        batch.addStatement(insertDefinition.bind(
                c.id(),
                c.domain(),
                c.numericId(),
                c.organizer(),
                c.subject(),
                c.access().name(),
                c.invitees(),
                c.presenters().listed(),
                c.presenters().everyoneFromOurDomains(),
                c.lobbyBypass(),
                c.participantLimit(),
                scheduled == null ? null : scheduled.end(),
                scheduled == null ? null : scheduled.keepFor().toMillis(),
                adHoc == null ? null : adHoc.grace().toMillis(),
                c.createdAt()));
    }

    @Override
    public CompletionStage<Void> saveRoster(
            Conference conference, Roster before, Roster after, WriteStamp stamp, boolean firstOfOwner) {
        BatchStatementBuilder batch = BatchStatement.builder(BatchType.UNLOGGED);
        if (firstOfOwner && stamp.fenced()) {
            // below this owner's stamps, above every stamp of earlier owners (WriteStamp: epochs
            // never overlap), so it removes exactly the leg rows earlier owners wrote, including a
            // replaced owner's late ones, and the legs re-written in this batch survive it
            batch.addStatement(deleteLegsBefore.bind(stamp.micros() - 1, conference.id()));
            addDefinition(batch, conference);
            addRoster(batch, conference.id(), Map.of(), after);
            return execute(batch, stamp);
        }
        addRoster(batch, conference.id(), before.participants(), after);
        return execute(batch, stamp);
    }

    private void addRoster(
            BatchStatementBuilder batch, String conferenceId, Map<String, Participant> before, Roster after) {
        batch.addStatement(
                updateHeader.bind(after.version(), after.locked(), after.ended(), after.emptySince(), conferenceId));
        for (Participant p : after.participants().values()) {
            if (!p.equals(before.get(p.legId()))) {
                batch.addStatement(upsertLeg.bind(
                        conferenceId,
                        p.legId(),
                        p.uri(),
                        p.kind().name(),
                        p.role().name(),
                        p.status().name(),
                        p.lobbyReason() == null ? null : p.lobbyReason().name(),
                        p.since()));
            }
        }
        for (String legId : before.keySet()) {
            if (!after.participants().containsKey(legId)) {
                batch.addStatement(deleteLeg.bind(conferenceId, legId));
            }
        }
    }

    private CompletionStage<Void> execute(BatchStatementBuilder batch, WriteStamp stamp) {
        // one partition: applied atomically and in isolation without the batch log
        return session.executeAsync(stamp.on(batch.build())).thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Void> delete(String conferenceId, WriteStamp stamp) {
        return session.executeAsync(stamp.on(deleteConference.bind(conferenceId)))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Boolean> claimNumber(String numericId, String conferenceId) {
        return session.executeAsync(claimNumber.bind(numericId, conferenceId)).thenApply(rs -> {
            if (rs.wasApplied()) {
                return true;
            }
            Row holder = rs.one();
            return holder != null && conferenceId.equals(holder.getString("conference_id"));
        });
    }

    @Override
    public CompletionStage<Optional<String>> numberOwner(String numericId) {
        return session.executeAsync(selectNumber.bind(numericId))
                .thenApply(rs -> Optional.ofNullable(rs.one()).map(r -> r.getString("conference_id")));
    }

    @Override
    public CompletionStage<Boolean> releaseNumber(String numericId, String conferenceId) {
        return session.executeAsync(releaseNumber.bind(numericId, conferenceId)).thenApply(rs -> rs.wasApplied());
    }

    private static Conference toConference(String id, Row row) {
        Expiry expiry = row.isNull("scheduled_end")
                ? new Expiry.AdHoc(Duration.ofMillis(row.getLong("grace_ms")))
                : new Expiry.Scheduled(row.getInstant("scheduled_end"), Duration.ofMillis(row.getLong("keep_ms")));
        return new Conference(
                id,
                row.getString("domain"),
                row.getString("numeric_id"),
                row.getString("organizer"),
                row.getString("subject"),
                AccessType.valueOf(row.getString("access")),
                row.getSet("invitees", String.class),
                new Presenters(row.getBoolean("presenters_everyone"), row.getSet("presenters", String.class)),
                row.getBoolean("lobby_bypass"),
                row.getInt("participant_limit"),
                expiry,
                row.getInstant("created_at"));
    }

    private static Participant toParticipant(Row row) {
        String reason = row.getString("lobby_reason");
        return new Participant(
                row.getString("leg_id"),
                row.getString("user_uri"),
                JoinerKind.valueOf(row.getString("kind")),
                Role.valueOf(row.getString("role")),
                ParticipantStatus.valueOf(row.getString("status")),
                reason == null ? null : LobbyReason.valueOf(reason),
                row.getInstant("since"));
    }
}
