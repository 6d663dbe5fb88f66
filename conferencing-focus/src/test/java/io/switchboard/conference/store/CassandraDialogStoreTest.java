package io.switchboard.conference.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The focus's stored dialogs on the shared test Cassandra: read back whole, claimed by one node only, deleted. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CassandraDialogStoreTest {

    private CassandraDialogStore store;

    @BeforeAll
    void schema() {
        CqlSession session = TestCassandra.session("conference_dialogs");
        CassandraSessions.applySchema(session, CassandraDialogStore.class, CassandraDialogStore.SCHEMA);
        store = new CassandraDialogStore(session);
    }

    static <T> T await(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    @Test
    void a_leg_is_read_back_whole_claimed_once_and_deleted() {
        var participant = new DialogStore.Dialog(
                "leg-1@phone",
                "ourtag",
                "sip:conf-abc@example.test",
                "sip:alice@example.test",
                "alicetag",
                "sip:alice@127.0.0.1:5070",
                List.of("<sip:edge.example.test;lr>"),
                100);
        var mixer = new DialogStore.Dialog(
                "mix-1",
                "mixtag",
                "sip:conf-abc@example.test",
                "sip:mixer@127.0.0.1:6000",
                "mixer-remote",
                "sip:mixer@127.0.0.1:6000",
                List.of(),
                101);
        var leg = new DialogStore.Leg(
                "abc",
                "sip:conf-abc@example.test",
                "node-a#1",
                "udp",
                participant,
                "offer".getBytes(StandardCharsets.UTF_8),
                "answer".getBytes(StandardCharsets.UTF_8),
                "sip:mixer@127.0.0.1:6000",
                mixer);
        await(store.saveLeg(leg));

        DialogStore.Leg read = await(store.leg("abc", "leg-1@phone")).orElseThrow();
        assertThat(read.participant()).isEqualTo(participant);
        assertThat(read.mixerDialog()).isEqualTo(mixer);
        assertThat(new String(read.offer(), StandardCharsets.UTF_8)).isEqualTo("offer");
        assertThat(new String(read.sentSdp(), StandardCharsets.UTF_8)).isEqualTo("answer");
        assertThat(read.holder()).isEqualTo("node-a#1");
        assertThat(await(store.legHolders())).contains(new DialogStore.Held("abc", "leg-1@phone", "node-a#1"));

        // two survivors claim it: one wins, with its ceilings stored
        assertThat(await(store.claimLeg("abc", "leg-1@phone", "node-a#1", "node-b#2", 200, 201)))
                .isTrue();
        assertThat(await(store.claimLeg("abc", "leg-1@phone", "node-a#1", "node-c#3", 200, 201)))
                .isFalse();
        DialogStore.Leg claimed = await(store.leg("abc", "leg-1@phone")).orElseThrow();
        assertThat(claimed.holder()).isEqualTo("node-b#2");
        assertThat(claimed.participant().cseqCeiling()).isEqualTo(200);
        assertThat(claimed.mixerDialog().cseqCeiling()).isEqualTo(201);

        await(store.deleteLeg("abc", "leg-1@phone"));
        assertThat(await(store.leg("abc", "leg-1@phone"))).isEmpty();
    }

    @Test
    void a_leg_without_a_mixer_dialog_is_read_back_without_one() {
        var participant = new DialogStore.Dialog(
                "leg-2@phone",
                "t",
                "sip:conf-abc@example.test",
                "sip:bob@example.test",
                "b",
                "sip:bob@h",
                List.of(),
                100);
        await(store.saveLeg(new DialogStore.Leg(
                "abc", "sip:conf-abc@example.test", "node-a#1", "tcp", participant, null, null, null, null)));
        DialogStore.Leg read = await(store.leg("abc", "leg-2@phone")).orElseThrow();
        assertThat(read.mixerDialog()).isNull();
        assertThat(read.transport()).isEqualTo("tcp");
        assertThat(read.offer()).isNull();
    }

    @Test
    void a_subscription_is_read_back_claimed_once_and_deleted() {
        Instant expires = Instant.now().plusSeconds(600).truncatedTo(ChronoUnit.MILLIS);
        var dialog = new DialogStore.Dialog(
                "sub-1@watcher",
                "ourtag",
                "sip:conf-abc@example.test",
                "sip:carol@example.test",
                "ctag",
                "sip:carol@127.0.0.1:5090",
                List.of(),
                100);
        await(store.saveSubscription(
                new DialogStore.Subscription("abc", "node-a#1", "udp", dialog, "e1", expires, 100)));
        DialogStore.Subscription read =
                await(store.subscription("abc", "sub-1@watcher")).orElseThrow();
        assertThat(read).isEqualTo(new DialogStore.Subscription("abc", "node-a#1", "udp", dialog, "e1", expires, 100));
        assertThat(await(store.subscriptionHolders()))
                .contains(new DialogStore.Held("abc", "sub-1@watcher", "node-a#1"));

        assertThat(await(store.claimSubscription("abc", "sub-1@watcher", "node-a#1", "node-b#2", 200, 200)))
                .isTrue();
        assertThat(await(store.claimSubscription("abc", "sub-1@watcher", "node-a#1", "node-c#3", 200, 200)))
                .isFalse();
        DialogStore.Subscription claimed =
                await(store.subscription("abc", "sub-1@watcher")).orElseThrow();
        assertThat(claimed.holder()).isEqualTo("node-b#2");
        assertThat(claimed.versionCeiling()).isEqualTo(200);
        assertThat(claimed.dialog().cseqCeiling()).isEqualTo(200);

        await(store.deleteSubscription("abc", "sub-1@watcher"));
        assertThat(await(store.subscription("abc", "sub-1@watcher"))).isEmpty();
    }
}
