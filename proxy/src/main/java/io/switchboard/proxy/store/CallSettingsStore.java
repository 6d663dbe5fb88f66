package io.switchboard.proxy.store;

import io.switchboard.proxy.domain.CallSettings;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where users' call settings live. Keys are AORs in the account's canonical form
 * ({@code sip:user@domain}, domain lower-cased); implementations canonicalise what they are given.
 *
 * <p>Not sharded: settings change only by operator action (rare, last write wins), so any node
 * reads and writes the row directly rather than through a single-writer entity.
 */
public interface CallSettingsStore {

    /** The stored settings of {@code aor}, empty when none were ever set (or they were cleared). */
    CompletionStage<Optional<CallSettings>> find(String aor);

    /**
     * {@link #find}, but never answered from a cache: for operators looking at or editing settings,
     * who must see what another node wrote a second ago. Plain stores have no cache.
     */
    default CompletionStage<Optional<CallSettings>> findLatest(String aor) {
        return find(aor);
    }

    /** Stores {@code settings}, replacing whatever {@code settings.aor()} had; completes when durable. */
    CompletionStage<Void> put(CallSettings settings);

    /** Removes the settings of {@code aor}; completes (normally) also when there were none. */
    CompletionStage<Void> delete(String aor);

    /**
     * What the proxy asks on each call: the settings of {@code aor}, {@link CallSettings#none} when
     * none are stored.
     */
    default CompletionStage<CallSettings> settingsFor(String aor) {
        return find(aor).thenApply(found -> found.orElseGet(() -> CallSettings.none(aor)));
    }
}
