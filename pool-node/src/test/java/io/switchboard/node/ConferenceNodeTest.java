package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.conference.domain.AccessType;
import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.ConferenceIds;
import io.switchboard.conference.domain.Expiry;
import io.switchboard.conference.domain.Joiner;
import io.switchboard.conference.domain.Presenters;
import io.switchboard.conference.entity.ConferenceEntity;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The conference entity type on a real node (ConferenceWiring): reached through cluster sharding,
 * written to the node's Cassandra (schema version 3), its writes fenced by owner epochs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConferenceNodeTest {

    static final Duration ASK = Duration.ofSeconds(10);

    SwitchboardNode node;

    @BeforeAll
    void start() {
        node = TestNodes.start("conference_node", "");
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void a_conference_is_created_joined_and_read_back_through_sharding() throws Exception {
        SecureRandom random = new SecureRandom();
        Conference c = new Conference(
                ConferenceIds.newId(random),
                "example.test",
                ConferenceIds.newNumericId(random),
                "sip:alice@example.test",
                "Node test",
                AccessType.COMPANY,
                Set.of(),
                Presenters.ORGANIZER_ONLY,
                false,
                Conference.DEFAULT_LIMIT,
                new Expiry.AdHoc(Duration.ofMinutes(5)),
                Instant.now());
        EntityRef<ConferenceEntity.Command> ref =
                ClusterSharding.get(node.system()).entityRefFor(ConferenceEntity.ENTITY_KEY, c.id());
        ConferenceEntity.CreateReply created = ref.<ConferenceEntity.CreateReply>ask(
                        r -> new ConferenceEntity.Create(c, r), ASK)
                .toCompletableFuture()
                .get();
        assertThat(created).isInstanceOf(ConferenceEntity.Created.class);

        ConferenceEntity.JoinReply waiting = ref.<ConferenceEntity.JoinReply>ask(
                        r -> new ConferenceEntity.Join("leg-dave", Joiner.ourUser("sip:dave@example.test"), r), ASK)
                .toCompletableFuture()
                .get();
        assertThat(waiting).isInstanceOf(ConferenceEntity.InLobby.class);
        ConferenceEntity.JoinReply organizer = ref.<ConferenceEntity.JoinReply>ask(
                        r -> new ConferenceEntity.Join("leg-alice", Joiner.ourUser("sip:alice@example.test"), r), ASK)
                .toCompletableFuture()
                .get();
        assertThat(((ConferenceEntity.Admitted) organizer).roster().connected()).isEqualTo(2);

        ConferenceEntity.StateReply state = ref.<ConferenceEntity.StateReply>ask(
                        ConferenceEntity.GetConference::new, ASK)
                .toCompletableFuture()
                .get();
        ConferenceEntity.Current current = (ConferenceEntity.Current) state;
        assertThat(current.state().orElseThrow().conference()).isEqualTo(c);
        assertThat(current.state().orElseThrow().roster().version()).isEqualTo(3);
    }
}
