package io.switchboard.conference.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.conference.domain.Joiner;
import io.switchboard.conference.domain.Roster;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CassandraConferenceStoreTest extends ConferenceStoreContract {

    private CassandraConferenceStore store;

    @BeforeAll
    void schema() {
        CqlSession session = TestCassandra.session("conference_store");
        CassandraSessions.applySchema(session, CassandraConferenceStore.class, CassandraConferenceStore.SCHEMA);
        store = new CassandraConferenceStore(session);
    }

    /**
     * A replaced owner's roster batches (a lower owner epoch) lose to its successor's as a whole,
     * also the legs they add, whether written just before the successor's first write (after it
     * loaded) or after it.
     */
    @Test
    void roster_changes_of_an_earlier_owner_epoch_lose_as_a_whole() {
        var c = scheduled("aaaaaaaaaaaaaaaaaaa6", "1000006");
        long epoch1 = WriteStamp.first(1);
        Roster created = Roster.created(NOW);
        await(store.create(c, created, new WriteStamp(epoch1)));
        Roster r1 = join(c, created, "leg-carol", Joiner.ourUser("sip:carol@example.test"), NOW);
        await(store.saveRoster(c, created, r1, new WriteStamp(epoch1 + 1), true));
        // the successor (epoch 2) has loaded r1; the old owner, not knowing, adds Bob
        Roster staleEarly = join(c, r1, "leg-bob", Joiner.ourUser("sip:bob@example.test"), NOW);
        await(store.saveRoster(c, r1, staleEarly, new WriteStamp(epoch1 + 2), false));
        // the successor adds Dave (its first write), then the old owner adds Erin and moves Carol
        Roster successor = join(c, r1, "leg-dave", Joiner.ourUser("sip:dave@example.test"), NOW);
        await(store.saveRoster(c, r1, successor, new WriteStamp(WriteStamp.first(2)), true));
        Roster staleLate = join(c, staleEarly, "leg-erin", Joiner.federated("sip:erin@partner.example"), NOW);
        await(store.saveRoster(c, staleEarly, staleLate, new WriteStamp(epoch1 + 3), false));
        assertThat(await(store.load(c.id())).orElseThrow().roster()).isEqualTo(successor);

        // the successor's later writes change only what changed, and keep the legs it re-wrote
        Roster next = join(c, successor, "leg-frank", Joiner.federated("sip:frank@other.example"), NOW);
        await(store.saveRoster(c, successor, next, new WriteStamp(WriteStamp.first(2) + 1), false));
        assertThat(await(store.load(c.id())).orElseThrow().roster()).isEqualTo(next);

        await(store.delete(c.id(), new WriteStamp(epoch1 + 6)));
        assertThat(await(store.load(c.id()))).isPresent();
        await(store.delete(c.id(), new WriteStamp(WriteStamp.first(2) + 2)));
        assertThat(await(store.load(c.id()))).isEmpty();
    }

    @Override
    ConferenceStore store() {
        return store;
    }
}
