package io.switchboard.node;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.accounts.domain.AccountDraft;
import io.switchboard.accounts.domain.AccountRules;
import io.switchboard.accounts.domain.NewAccountRequest;
import io.switchboard.accounts.domain.Validation;
import io.switchboard.accounts.store.AccountStore;
import io.switchboard.accounts.store.CassandraAccountStore;
import io.switchboard.node.admin.AdminServer;
import io.switchboard.node.admin.HttpDigestAuthenticator;
import io.switchboard.node.admin.PresenceApi;
import io.switchboard.presence.store.AccessStore;
import io.switchboard.presence.store.CassandraAccessStore;
import io.switchboard.presence.store.CassandraContactListStore;
import io.switchboard.presence.store.ContactListStore;
import io.switchboard.sip.auth.AuthThrottle;
import io.switchboard.sip.auth.DigestChallenger;
import io.switchboard.sip.auth.DigestVerifier;
import io.switchboard.sip.auth.NonceService;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A real admin HTTP server with the presence routes registered as the node registers them
 * ({@link PresenceApi#register}), real Cassandra stores for accounts, contact lists and access
 * levels, and {@link StoreBackedPresenceAdmin} where the presence entities will be: a node cannot
 * serve these routes until the integrator wires the entities' PresenceAdmin into SwitchboardNode.
 */
final class PresenceApiFixture implements AutoCloseable {

    static final String TOKEN = "presence-test-token";
    static final List<String> DOMAINS = List.of("example.test", "example.org");
    static final String ALICE = "sip:alice@example.test";
    static final String ALICE_PASSWORD = "alice-secret-1";
    static final String BOB = "sip:bob@example.test";
    static final String CAROL = "sip:carol@example.org";
    static final String CAROL_PASSWORD = "carol-secret-1";
    static final byte[] SECRET = "presence-test-secret-0123456789".getBytes(StandardCharsets.UTF_8);

    final CqlSession session;
    final AccountStore accounts;
    final ContactListStore contacts;
    final AccessStore access;
    final StoreBackedPresenceAdmin presence;
    final AdminServer server;

    PresenceApiFixture(String keyspace, AuthThrottle.Limits limits) throws IOException {
        session = TestCassandra.session(keyspace);
        CassandraSessions.applySchema(session, CassandraAccountStore.class, CassandraAccountStore.SCHEMA_RESOURCE);
        CassandraSessions.applySchema(
                session, CassandraAccountStore.class, CassandraAccountStore.HOME_SITE_SCHEMA_RESOURCE);
        CassandraSessions.applySchema(
                session, CassandraContactListStore.class, CassandraContactListStore.SCHEMA_RESOURCE);
        CassandraSessions.applySchema(session, CassandraAccessStore.class, CassandraAccessStore.SCHEMA_RESOURCE);
        accounts = CassandraAccountStore.forSessionKeyspace(session);
        contacts = CassandraContactListStore.forSessionKeyspace(session);
        access = CassandraAccessStore.forSessionKeyspace(session);
        AccountRules rules = new AccountRules(DOMAINS);
        for (String[] user : new String[][] {
            {ALICE, ALICE_PASSWORD},
            {BOB, "bob-secret-12"},
            {CAROL, CAROL_PASSWORD},
            {"sip:dave@example.test", "dave-secret-1"}
        }) {
            AccountDraft draft = ((Validation.Valid<AccountDraft>)
                            rules.validate(new NewAccountRequest(user[0], user[1], "", "")))
                    .value();
            await(accounts.put(draft.toAccount(Instant.now())));
        }
        presence = new StoreBackedPresenceAdmin(contacts, access, Set.copyOf(DOMAINS));
        NonceService nonces = new NonceService(SECRET, Duration.ofMinutes(5));
        server = new AdminServer("127.0.0.1", 0, TOKEN, Map.of(), Map.of());
        new PresenceApi(presence, accounts, DOMAINS)
                .register(
                        server,
                        new HttpDigestAuthenticator(
                                accounts,
                                DOMAINS,
                                new DigestChallenger(nonces),
                                new DigestVerifier(nonces, SECRET),
                                new AuthThrottle(limits),
                                Clock.systemUTC()));
        server.start();
    }

    int port() {
        return server.port();
    }

    /** Empties the contact lists and access levels (the accounts stay). */
    void clear() {
        for (String table : List.of("contact_lists", "presence_access")) {
            session.execute(SimpleStatement.newInstance("TRUNCATE " + table).setTimeout(Duration.ofSeconds(30)));
        }
    }

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
