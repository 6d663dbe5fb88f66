package io.switchboard.conference.store;

class InMemoryConferenceStoreTest extends ConferenceStoreContract {
    @Override
    ConferenceStore store() {
        return new InMemoryConferenceStore();
    }
}
