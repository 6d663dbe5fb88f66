package io.switchboard.presence.store;

/** The in-memory presence fakes keep the contract of {@link CassandraPresenceStore}, so entity tests built on them mean something. */
class InMemoryPresenceStoresTest extends PresenceStoreContract {

    @Override
    PresentityStore presentities() {
        return new InMemoryPresentityStore();
    }

    @Override
    SubscriptionStore subscriptions() {
        return new InMemorySubscriptionStore();
    }
}
