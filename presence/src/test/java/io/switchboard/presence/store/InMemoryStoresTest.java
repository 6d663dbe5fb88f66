package io.switchboard.presence.store;

/** The in-memory fakes keep the same contract as the Cassandra stores, so tests built on them mean something. */
class InMemoryStoresTest extends StoreContract {

    @Override
    ContactListStore contacts() {
        return new InMemoryStores.Contacts();
    }

    @Override
    AccessStore access() {
        return new InMemoryStores.Access();
    }
}
