package io.switchboard.accounts.store;

/** Keeps the fake honest: cache tests are only as good as the store they decorate. */
class InMemoryAccountStoreTest extends AccountStoreContract {

    @Override
    AccountStore store() {
        return new InMemoryAccountStore();
    }
}
