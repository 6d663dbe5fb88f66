/**
 * Storage of per-user call settings: {@link io.switchboard.proxy.store.CallSettingsStore}, its
 * Cassandra implementation (schema {@code io/switchboard/proxy/store/call_settings.cql}) and a
 * node-local cache for the proxy's per-call reads.
 */
package io.switchboard.proxy.store;
