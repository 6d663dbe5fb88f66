package io.switchboard.node;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.accounts.store.CassandraAccountStore;
import io.switchboard.accounts.store.CassandraAuthFailureStore;
import io.switchboard.addressbook.store.CassandraAddressBookStore;
import io.switchboard.conference.store.CassandraConferenceStore;
import io.switchboard.entity.due.CassandraDueIndex;
import io.switchboard.entity.fence.CassandraOwnerEpochs;
import io.switchboard.park.store.CassandraOrbitRangeStore;
import io.switchboard.presence.store.CassandraAccessStore;
import io.switchboard.presence.store.CassandraContactListStore;
import io.switchboard.presence.store.CassandraPresenceStore;
import io.switchboard.proxy.store.CassandraCallSettingsStore;
import io.switchboard.registrar.store.CassandraBindingStore;
import io.switchboard.storage.VersionedSchema;
import java.util.List;

/**
 * Every table a pool node uses, as one versioned schema (storage/VersionedSchema): applied once per
 * version by the first node or by {@code bin/switchboard schema apply}, skipped by everyone who finds
 * it applied.
 *
 * <p>Changing a schema script: bump {@link #VERSION} (PoolSchemaTest pins each version's digest and
 * fails until you do), keep the script idempotent and additive ({@code ADD IF NOT EXISTS}, new
 * tables; no drops or renames while nodes of the previous version may still run), and add a new
 * module's script at the end of the list.
 */
public final class PoolSchema {

    /** The schema's version: bumped whenever a script below changes or one is added. */
    public static final int VERSION = 6;

    /**
     * The address book's own schema version (row "address-book"): its tables exist only in pools
     * that switch it on ({@code switchboard.address-book.source}), so they are not in the pool's
     * schema; applied once per version in the same way, by the first node with the address book on.
     */
    public static final int ADDRESS_BOOK_VERSION = 1;

    private PoolSchema() {}

    /** The address book's tables (see {@link #ADDRESS_BOOK_VERSION}). */
    public static VersionedSchema addressBook() {
        return new VersionedSchema(
                "address-book",
                ADDRESS_BOOK_VERSION,
                List.of(VersionedSchema.resource(
                        CassandraAddressBookStore.class, CassandraAddressBookStore.SCHEMA_RESOURCE)));
    }

    /** The scripts, in the order they are applied. */
    public static VersionedSchema schema() {
        return new VersionedSchema(
                VERSION,
                List.of(
                        VersionedSchema.resource(CassandraDueIndex.class, CassandraDueIndex.SCHEMA_RESOURCE),
                        VersionedSchema.resource(CassandraOwnerEpochs.class, CassandraOwnerEpochs.SCHEMA_RESOURCE),
                        VersionedSchema.resource(CassandraBindingStore.class, CassandraBindingStore.SCHEMA),
                        VersionedSchema.resource(CassandraAccountStore.class, CassandraAccountStore.SCHEMA_RESOURCE),
                        VersionedSchema.resource(
                                CassandraAuthFailureStore.class, CassandraAuthFailureStore.SCHEMA_RESOURCE),
                        VersionedSchema.resource(
                                CassandraCallSettingsStore.class, CassandraCallSettingsStore.SCHEMA_RESOURCE),
                        VersionedSchema.resource(CassandraPresenceStore.class, CassandraPresenceStore.SCHEMA),
                        VersionedSchema.resource(
                                CassandraContactListStore.class, CassandraContactListStore.SCHEMA_RESOURCE),
                        VersionedSchema.resource(CassandraAccessStore.class, CassandraAccessStore.SCHEMA_RESOURCE),
                        // version 2: call park (orbit ranges, orbit claims, parked calls)
                        VersionedSchema.resource(CassandraOrbitRangeStore.class, CassandraOrbitRangeStore.SCHEMA),
                        // version 3: conferencing focus (conferences, numeric ids)
                        VersionedSchema.resource(CassandraConferenceStore.class, CassandraConferenceStore.SCHEMA),
                        // version 4: sites (each account's home site)
                        VersionedSchema.resource(
                                CassandraAccountStore.class, CassandraAccountStore.HOME_SITE_SCHEMA_RESOURCE),
                        // version 5: call park takeover (the caller's leg stored with each parked call)
                        VersionedSchema.resource(
                                io.switchboard.park.store.CassandraParkedCallStore.class,
                                io.switchboard.park.store.CassandraParkedCallStore.TAKEOVER_SCHEMA),
                        // version 6: conferencing focus, the legs' and subscriptions' dialogs (issue 12 item 6)
                        VersionedSchema.resource(
                                io.switchboard.conference.store.CassandraDialogStore.class,
                                io.switchboard.conference.store.CassandraDialogStore.SCHEMA)));
    }

    /**
     * Makes sure this version (or a newer one) is applied to the session's keyspace, waiting for
     * another node that is applying it (VersionedSchema.Settings.defaults: up to 5 minutes).
     */
    public static VersionedSchema.Outcome ensure(CqlSession session) {
        return schema().ensure(session, VersionedSchema.defaultHolder(), VersionedSchema.Settings.defaults());
    }
}
