package io.switchboard.node.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.store.CassandraAccountStore;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.sip.auth.DigestAlgorithm;
import io.switchboard.sip.flow.Flow;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.CassandraSettings;
import io.switchboard.storage.testing.CassandraRing;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A branch site's state replicated by Cassandra alone (README, "Sites and branches"): one Cassandra cluster of
 * two data centers, {@code pool} (127.0.0.11) and {@code ams} (127.0.0.12), one small node each. The site
 * keyspace, created by {@link SiteKeyspaces}, is replicated to both DCs; the pool's own keyspace to the pool's
 * DC only. Each side uses a session whose local DC is its own, at LOCAL_QUORUM, as a pool node and a branch
 * node do.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoSiteReplicationTest {

    static final String POOL_DC = "pool";
    static final String BRANCH_DC = "ams";
    static final String POOL_KEYSPACE = "two_sites";
    static final String SITE_KEYSPACE = "two_sites_site_ams";
    static final String SITE_REPLICATION = SiteKeyspaces.replication(POOL_DC, 1, BRANCH_DC);
    static final Duration REPLICATED_WITHIN = Duration.ofSeconds(20);

    CassandraRing ring;
    CqlSession poolOnly;
    SiteStores atPool;
    SiteStores atBranch;

    @BeforeAll
    void start() {
        ring = TwoSiteRing.get(); // shared with the other test classes of sites, stopped when the JVM exits
        // the pool's own keyspace: its DC only, as SitesConfig requires of switchboard.storage.replication
        poolOnly = CassandraSessions.connect(ring.settingsIn(
                POOL_DC,
                POOL_KEYSPACE,
                CassandraSettings.networkTopology(Map.of(POOL_DC, 1)),
                DefaultConsistencyLevel.LOCAL_QUORUM));
        CassandraSessions.applySchema(poolOnly, CassandraAccountStore.class, CassandraAccountStore.SCHEMA_RESOURCE);
        CassandraSessions.applySchema(
                poolOnly, CassandraAccountStore.class, CassandraAccountStore.HOME_SITE_SCHEMA_RESOURCE);
        CassandraSessions.applySchema(
                poolOnly,
                io.switchboard.proxy.store.CassandraCallSettingsStore.class,
                io.switchboard.proxy.store.CassandraCallSettingsStore.SCHEMA_RESOURCE);
        // the site keyspace, opened from each side: the first creates it and applies the site schema
        atPool = SiteKeyspaces.open(
                ring.settingsIn(POOL_DC, SITE_KEYSPACE, SITE_REPLICATION, DefaultConsistencyLevel.LOCAL_QUORUM));
        atBranch = SiteKeyspaces.open(
                ring.settingsIn(BRANCH_DC, SITE_KEYSPACE, SITE_REPLICATION, DefaultConsistencyLevel.LOCAL_QUORUM));
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {atBranch, atPool, poolOnly}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing the rest matters more
            }
        }
    }

    @Test
    void the_site_keyspace_is_in_both_dcs_and_the_pools_in_the_pool_dc_only() {
        assertThat(replicationOf(SITE_KEYSPACE))
                .containsEntry("class", "org.apache.cassandra.locator.NetworkTopologyStrategy")
                .containsEntry(POOL_DC, "1")
                .containsEntry(BRANCH_DC, "1");
        assertThat(replicationOf(POOL_KEYSPACE)).containsEntry(POOL_DC, "1").doesNotContainKey(BRANCH_DC);

        assertThat(replicaDcs(SITE_KEYSPACE, "sip:anna@example.test")).containsExactlyInAnyOrder(POOL_DC, BRANCH_DC);
        assertThat(replicaDcs(POOL_KEYSPACE, "example.test")).containsExactly(POOL_DC);
        // the branch's node holds no replica of the pool's keyspace: a read coordinated in the branch's DC
        // (the session's local DC, LOCAL_QUORUM) finds no live replica there
        CassandraAccountStore poolAccountsFromBranch = new CassandraAccountStore(
                atBranch.session(), com.datastax.oss.driver.api.core.CqlIdentifier.fromInternal(POOL_KEYSPACE));
        assertThatThrownBy(() -> await(poolAccountsFromBranch.find("example.test", "hans")))
                .hasStackTraceContaining(UnavailableException.class.getSimpleName())
                .hasMessageContaining("consistency LOCAL_QUORUM (1 required but only 0 alive)");
    }

    @Test
    void an_account_and_a_binding_written_at_the_branch_are_read_at_the_pool() throws Exception {
        Account anna = account("anna");
        await(atBranch.accounts().put(anna));
        Binding binding = binding("sip:anna@10.20.0.50:5060");
        await(atBranch.bindings()
                .writtenBy(BRANCH_DC, true)
                .write("sip:anna@example.test", List.of(binding), List.of(), Instant.now(), WriteStamp.UNFENCED));

        assertThat(eventually(() ->
                        await(atPool.accounts().find("example.test", "anna")).orElse(null)))
                .isEqualTo(anna);
        assertThat(eventually(() -> await(atPool.bindings().merged().load("sip:anna@example.test")).stream()
                        .map(Binding::contact)
                        .findFirst()
                        .orElse(null)))
                .isEqualTo(binding.contact());
    }

    /**
     * One writer per row across sites (README, "Sites and branches"): the branch and the pool both register one
     * phone (same Contact, so the same binding key) and each a phone of its own. On one shared row the pool's
     * write would win by its higher write timestamp (a later owner epoch at the pool says nothing about the
     * branch's); here each site's rows are its own, both sides see all four rows by site, and a lookup takes the
     * registration refreshed last, whichever site wrote it.
     */
    @Test
    void both_sites_write_one_users_bindings_and_neither_overwrites_the_other() throws Exception {
        String aor = "sip:bruno@example.test";
        Instant now = Instant.now();
        Binding shared = binding("sip:bruno@10.20.0.51:5060");
        Binding atBranchLater = withExpiry(shared, now.plusSeconds(3600), "branch-ams");
        Binding atPoolEarlier = withExpiry(shared, now.plusSeconds(1800), "pool-1");
        await(atBranch.bindings()
                .writtenBy(BRANCH_DC, true)
                .write(
                        aor,
                        List.of(atBranchLater, binding("sip:bruno@10.20.0.52:5060")),
                        List.of(),
                        now,
                        new WriteStamp(WriteStamp.first(1))));
        await(atPool.bindings()
                .writtenBy(POOL_DC, false)
                .write(
                        aor,
                        List.of(atPoolEarlier, binding("sip:bruno@10.0.0.53:5060")),
                        List.of(),
                        now,
                        new WriteStamp(WriteStamp.first(9))));

        for (SiteStores side : List.of(atPool, atBranch)) {
            assertThat(eventually(() -> rowsBySite(side.session(), aor).size() == 4 ? true : null))
                    .as(
                            "each site's two rows, in the DC of %s",
                            side.session().getContext().getSessionName())
                    .isNotNull();
            assertThat(rowsBySite(side.session(), aor))
                    .containsExactlyInAnyOrder(
                            BRANCH_DC + " " + shared.key().value(),
                            BRANCH_DC + " "
                                    + BindingKey.forContact("sip:bruno@10.20.0.52:5060")
                                            .value(),
                            POOL_DC + " " + shared.key().value(),
                            POOL_DC + " "
                                    + BindingKey.forContact("sip:bruno@10.0.0.53:5060")
                                            .value());
            List<Binding> merged = await(side.bindings().merged().load(aor));
            assertThat(merged).hasSize(3);
            assertThat(merged.stream().filter(b -> b.key().equals(shared.key())))
                    .singleElement()
                    .satisfies(b -> assertThat(b.flow().node()).isEqualTo("branch-ams"));
        }
        // each site's registrar sees its own rows only
        assertThat(await(atPool.bindings().writtenBy(POOL_DC, false).load(aor)))
                .extracting(Binding::contact)
                .containsExactlyInAnyOrder(shared.contact(), "sip:bruno@10.0.0.53:5060");
    }

    /**
     * Rows of the site schema's version 1 (table {@code bindings}, written by the branch node) are read by lookups,
     * loaded by the branch's registrar as its own, and deleted when it writes their key again.
     */
    @Test
    void rows_of_the_version_1_table_are_the_branchs_until_it_writes_them_again() throws Exception {
        String aor = "sip:vera@example.test";
        Binding old = binding("sip:vera@10.20.0.60:5060");
        io.switchboard.registrar.store.CassandraBindingStore legacy =
                new io.switchboard.registrar.store.CassandraBindingStore(atBranch.session());
        await(legacy.write(aor, List.of(old), List.of(), Instant.now(), WriteStamp.UNFENCED));

        assertThat(await(atBranch.bindings().merged().load(aor)))
                .extracting(Binding::contact)
                .containsExactly(old.contact());
        var branchOwn = atBranch.bindings().writtenBy(BRANCH_DC, true);
        assertThat(await(branchOwn.load(aor))).extracting(Binding::contact).containsExactly(old.contact());
        assertThat(await(atBranch.bindings().writtenBy(POOL_DC, false).load(aor)))
                .isEmpty();

        Binding refreshed = withExpiry(old, Instant.now().plusSeconds(7200), "branch-ams");
        await(branchOwn.write(aor, List.of(refreshed), List.of(), Instant.now(), WriteStamp.UNFENCED));
        assertThat(await(legacy.load(aor)))
                .as("the old row is gone once the branch wrote its key")
                .isEmpty();
        assertThat(await(branchOwn.load(aor)))
                .extracting(Binding::expiresAt)
                .containsExactly(refreshed.expiresAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    private static List<String> rowsBySite(CqlSession session, String aor) {
        return session.execute("SELECT site, binding_key FROM site_bindings WHERE aor = ?", aor).all().stream()
                .map(r -> r.getString("site") + " " + r.getString("binding_key"))
                .toList();
    }

    private static Binding withExpiry(Binding b, Instant expiresAt, String node) {
        return new Binding(
                b.key(),
                b.contact(),
                b.callId(),
                b.cseq(),
                expiresAt,
                b.q(),
                b.instanceId(),
                b.regId(),
                b.path(),
                new Flow("udp", "10.20.0.51", 5060, node, null),
                b.userAgent(),
                b.registeredAt());
    }

    @Test
    void an_account_written_at_the_pool_is_read_at_the_branch() throws Exception {
        Account olaf = account("olaf");
        await(atPool.accounts().put(olaf));

        assertThat(eventually(() ->
                        await(atBranch.accounts().find("example.test", "olaf")).orElse(null)))
                .isEqualTo(olaf);
    }

    private Map<String, String> replicationOf(String keyspace) {
        return poolOnly.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?", keyspace)
                .one()
                .getMap("replication", String.class, String.class);
    }

    /** The data centers of the replicas of one partition, from the driver's token map (the replication strategy). */
    private Set<String> replicaDcs(String keyspace, String partitionKey) {
        var tokenMap = poolOnly.getMetadata().getTokenMap().orElseThrow();
        Set<Node> replicas = tokenMap.getReplicas(
                com.datastax.oss.driver.api.core.CqlIdentifier.fromInternal(keyspace),
                tokenMap.newToken(
                        java.nio.ByteBuffer.wrap(partitionKey.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        return replicas.stream().map(Node::getDatacenter).collect(Collectors.toSet());
    }

    /**
     * Call settings the pool kept in its own keyspace for branch users, before they lived in the site keyspace, are
     * carried over to it (a pool node does this at its start): each at the write time it had, so settings an
     * operator changed at the site since are not overwritten, and the pool's row is gone after.
     */
    @Test
    void call_settings_from_before_are_carried_over_to_the_site_keyspace_without_overwriting_newer_ones()
            throws Exception {
        var inPool = io.switchboard.proxy.store.CassandraCallSettingsStore.forSessionKeyspace(poolOnly);
        var siteAtPool = atPool.callSettings();
        var siteAtBranch = atBranch.callSettings();
        await(atPool.accounts().put(account("lena")));
        await(atPool.accounts().put(account("mira")));
        await(inPool.put(simRing("lena", "sip:old-lena@example.test")));
        await(inPool.put(simRing("mira", "sip:old-mira@example.test")));
        // mira's settings were changed at her site since (a later write): the carry-over must not undo that
        await(siteAtPool.put(simRing("mira", "sip:new-mira@example.test")));

        CallSettingsCarryOver carry = new CallSettingsCarryOver(
                poolOnly, com.datastax.oss.driver.api.core.CqlIdentifier.fromInternal(POOL_KEYSPACE), atPool.session());
        assertThat(await(carry.carryAll(atPool.accounts(), List.of("example.test"))))
                .isEqualTo(2);

        assertThat(await(inPool.find("sip:lena@example.test"))).isEmpty();
        assertThat(await(inPool.find("sip:mira@example.test"))).isEmpty();
        // read in the branch's data center, where the branch node's proxy reads them
        assertThat(eventually(() -> await(siteAtBranch.find("sip:lena@example.test"))
                        .flatMap(io.switchboard.proxy.domain.CallSettings::simRing)
                        .orElse(null)))
                .isEqualTo("sip:old-lena@example.test");
        assertThat(await(siteAtPool.find("sip:mira@example.test"))
                        .flatMap(io.switchboard.proxy.domain.CallSettings::simRing))
                .contains("sip:new-mira@example.test");
        assertThat(await(carry.carryAll(atPool.accounts(), List.of("example.test"))))
                .as("nothing left to carry")
                .isZero();
    }

    static io.switchboard.proxy.domain.CallSettings simRing(String user, String target) {
        return new io.switchboard.proxy.domain.CallSettings(
                "sip:" + user + "@example.test",
                java.util.Optional.of(target),
                io.switchboard.proxy.domain.Forwarding.OFF,
                Instant.now());
    }

    static Account account(String user) {
        return new Account(
                        user,
                        "example.test",
                        "User " + user,
                        "",
                        Map.of(DigestAlgorithm.MD5, DigestAlgorithm.MD5.ha1(user, "example.test", "pass-" + user)),
                        Instant.parse("2026-12-05T10:00:00Z"))
                .withHomeSite(BRANCH_DC);
    }

    static Binding binding(String contact) {
        Instant now = Instant.now();
        return new Binding(
                BindingKey.forContact(contact),
                contact,
                "call-" + contact,
                1,
                now.plusSeconds(3600),
                1000,
                null,
                0,
                List.of(),
                new Flow("udp", "10.20.0.50", 5060, "branch-ams", null),
                "two-sites-test",
                now);
    }

    /** Polls until {@code read} gives a value: the other DC gets a write asynchronously, within moments. */
    static <T> T eventually(Supplier<T> read) throws InterruptedException {
        long deadline = System.nanoTime() + REPLICATED_WITHIN.toNanos();
        while (true) {
            T value = read.get();
            if (value != null || System.nanoTime() - deadline > 0) {
                return value;
            }
            Thread.sleep(100);
        }
    }

    static <T> T await(java.util.concurrent.CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
