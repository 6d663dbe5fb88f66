package io.switchboard.node;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.entity.Conferences;
import io.switchboard.conference.store.CassandraConferenceStore;
import io.switchboard.entity.due.CassandraDueIndex;
import io.switchboard.entity.fence.CassandraOwnerEpochs;
import java.time.Clock;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The conferencing focus on a node (conferencing-focus/README.md): the conference entity type,
 * started on every node like the other entities, its writes fenced by owner epochs and its expiry
 * in the due index (woken by the due sweeper {@link PresenceWiring} starts); returns the client the
 * focus's SIP side ({@link SipWiring}) and the admin API use.
 */
final class ConferenceWiring {

    private ConferenceWiring() {}

    static Conferences start(CqlSession session, ActorSystem<Void> system, Clock clock) {
        ConferenceEntity.init(
                system,
                new ConferenceEntity.Settings(
                        new CassandraConferenceStore(session),
                        clock,
                        EntityTuning.CONFERENCE_PASSIVATE_AFTER,
                        EntityTuning.CONFERENCE_MAX_WAITING,
                        CassandraDueIndex.forSessionKeyspace(session),
                        CassandraOwnerEpochs.forSessionKeyspace(session)));
        return Conferences.sharded(system, EntityTuning.CONFERENCE_ASK_TIMEOUT);
    }
}
