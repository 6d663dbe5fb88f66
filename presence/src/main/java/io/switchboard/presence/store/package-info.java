/**
 * Where presence keeps what must outlive a node: contact lists and watcher access levels
 * ({@link io.switchboard.presence.store.ContactListStore}, {@link io.switchboard.presence.store.AccessStore}),
 * as CQL tables whose schemas are resources next to the Cassandra implementations. Only the
 * owner's presence entity writes them (docs/architecture.md, rule 1).
 */
package io.switchboard.presence.store;
