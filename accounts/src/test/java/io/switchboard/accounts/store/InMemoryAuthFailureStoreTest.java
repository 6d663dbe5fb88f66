package io.switchboard.accounts.store;

import io.switchboard.sip.auth.PoolFailureCounts;

class InMemoryAuthFailureStoreTest extends AuthFailureStoreContract {
    final InMemoryAuthFailureStore store = new InMemoryAuthFailureStore();

    @Override
    PoolFailureCounts node(String nodeId) {
        return store.node(nodeId);
    }

    @Override
    void empty() {
        store.clear();
    }
}
