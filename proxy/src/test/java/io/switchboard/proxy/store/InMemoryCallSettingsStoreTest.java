package io.switchboard.proxy.store;

/** Keeps the fake honest: it passes the same contract as the real store. */
class InMemoryCallSettingsStoreTest extends CallSettingsStoreContract {
    @Override
    CallSettingsStore store() {
        return new InMemoryCallSettingsStore();
    }
}
