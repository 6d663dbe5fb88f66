package io.switchboard.park.store;

class InMemoryParkedCallStoreTest extends ParkedCallStoreContract {
    @Override
    ParkedCallStore store() {
        return new InMemoryParkedCallStore();
    }
}
