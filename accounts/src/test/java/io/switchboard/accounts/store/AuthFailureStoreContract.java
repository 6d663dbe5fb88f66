package io.switchboard.accounts.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.auth.PoolFailureCounts;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * What the pool-wide failure counter of the auth throttle must do; run against the in-memory fake
 * and against Cassandra. Two handles on one store stand for two nodes of a pool.
 */
abstract class AuthFailureStoreContract {

    static final long BUCKET = 482_000L;

    /** A handle writing as {@code nodeId} on a store that is empty at the start of each test. */
    abstract PoolFailureCounts node(String nodeId);

    /** Forgets every count (called once per test, before the handles are made). */
    abstract void empty();

    static <T> T await(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    @Test
    void aLoneNodeLearnsNoOtherFailures() {
        empty();
        assertThat(await(node("node-1").record("bob@example.test", BUCKET, 3))).isZero();
    }

    @Test
    void theAnswerSumsTheOtherNodes() {
        empty();
        PoolFailureCounts n1 = node("node-1");
        PoolFailureCounts n2 = node("node-2");
        PoolFailureCounts n3 = node("node-3");
        await(n1.record("bob@example.test", BUCKET, 4));
        await(n2.record("bob@example.test", BUCKET, 5));
        assertThat(await(n3.record("bob@example.test", BUCKET, 1))).isEqualTo(9);
        assertThat(await(n1.record("bob@example.test", BUCKET, 4))).isEqualTo(6);
    }

    @Test
    void aNodeWritesItsCountSoARetryChangesNothing() {
        empty();
        PoolFailureCounts n1 = node("node-1");
        PoolFailureCounts n2 = node("node-2");
        await(n1.record("bob@example.test", BUCKET, 2));
        await(n1.record("bob@example.test", BUCKET, 2));
        assertThat(await(n2.record("bob@example.test", BUCKET, 1))).isEqualTo(2);
    }

    @Test
    void aSmallerCountArrivingLateDoesNotReplaceALargerOne() {
        empty();
        PoolFailureCounts n1 = node("node-1");
        PoolFailureCounts n2 = node("node-2");
        await(n1.record("bob@example.test", BUCKET, 8));
        // the write of the 7th failure, overtaken in flight by the 8th's
        await(n1.record("bob@example.test", BUCKET, 7));
        assertThat(await(n2.record("bob@example.test", BUCKET, 1))).isEqualTo(8);
    }

    @Test
    void accountsAndBucketsAreCountedApart() {
        empty();
        PoolFailureCounts n1 = node("node-1");
        PoolFailureCounts n2 = node("node-2");
        await(n1.record("bob@example.test", BUCKET, 7));
        await(n2.record("bob@example.test", BUCKET - 1, 9));
        await(n2.record("alice@example.test", BUCKET, 11));
        assertThat(await(n2.record("bob@example.test", BUCKET, 1))).isEqualTo(7);
        // the claimed account is a key as given: realm and user spelled differently are other keys
        assertThat(await(n2.record("Bob@example.test", BUCKET, 1))).isZero();
    }
}
