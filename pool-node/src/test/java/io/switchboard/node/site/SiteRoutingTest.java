package io.switchboard.node.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.store.AccountPage;
import io.switchboard.accounts.store.AccountStore;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.proxy.domain.CallSettings;
import io.switchboard.proxy.store.CallSettingsStore;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.registrar.store.BindingStore;
import io.switchboard.sip.auth.DigestAlgorithm;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Which keyspace a user's account, call settings and bindings go to on a pool node with branch sites (README, "Sites and branches"). */
class SiteRoutingTest {

    final Accounts poolAccounts = new Accounts();
    final Accounts amsAccounts = new Accounts();
    final Accounts nycAccounts = new Accounts();
    final Settings poolSettings = new Settings();
    final Settings amsSettings = new Settings();
    final Settings nycSettings = new Settings();
    final SiteCallSettings siteSettings =
            new SiteCallSettings(poolSettings, Map.of("ams", amsSettings, "nyc", nycSettings));
    final SiteAccountStore accounts =
            new SiteAccountStore(poolAccounts, Map.of("ams", amsAccounts, "nyc", nycAccounts), siteSettings);
    final HomeSites homes = new HomeSites(accounts, Set.of("ams", "nyc"));
    final CallSettingsStore callSettings = siteSettings.routedBy(homes);
    final Bindings poolBindings = new Bindings();
    final Bindings amsBindings = new Bindings();
    final SiteBindingStore bindings =
            new SiteBindingStore(poolBindings, Map.of("ams", amsBindings, "nyc", new Bindings()), homes);

    @Test
    void a_pool_users_account_is_in_the_pools_keyspace_only() {
        await(accounts.put(account("polly", "")));
        assertThat(poolAccounts.rows).containsKey("polly");
        assertThat(amsAccounts.rows).isEmpty();
        assertThat(await(homes.of("sip:polly@example.test"))).isEmpty();
    }

    @Test
    void a_branch_users_account_is_in_the_directory_and_the_site_keyspace() {
        await(accounts.put(account("anna", "ams")));
        assertThat(poolAccounts.rows).containsKey("anna");
        assertThat(amsAccounts.rows).containsKey("anna");
        assertThat(nycAccounts.rows).isEmpty();
        assertThat(await(homes.of("sip:anna@example.test"))).contains("ams");
    }

    @Test
    void a_move_copies_the_account_to_the_new_site_and_removes_it_from_the_old() {
        await(accounts.put(account("anna", "ams")));
        await(accounts.put(account("anna", "nyc")));
        assertThat(amsAccounts.rows).doesNotContainKey("anna");
        assertThat(nycAccounts.rows.get("anna").homeSite()).isEqualTo("nyc");
        await(accounts.put(account("anna", "")));
        assertThat(nycAccounts.rows).doesNotContainKey("anna");
        assertThat(poolAccounts.rows.get("anna").homedAtBranch()).isFalse();
    }

    @Test
    void deleting_a_branch_user_deletes_both_copies() {
        await(accounts.put(account("anna", "ams")));
        assertThat(await(accounts.delete("example.test", "anna"))).isTrue();
        assertThat(poolAccounts.rows).isEmpty();
        assertThat(amsAccounts.rows).isEmpty();
    }

    @Test
    void bindings_go_to_the_keyspace_of_the_users_home_site() {
        await(accounts.put(account("anna", "ams")));
        await(accounts.put(account("polly", "")));
        Binding b = binding("sip:x@10.0.0.1");
        await(bindings.write("sip:anna@example.test", List.of(b), List.of(), Instant.now(), WriteStamp.UNFENCED));
        await(bindings.write("sip:polly@example.test", List.of(b), List.of(), Instant.now(), WriteStamp.UNFENCED));
        // no account (e.g. a node's warm-up AOR), or not sip:user@domain: the pool
        await(bindings.write("sip:nobody@example.test", List.of(b), List.of(), Instant.now(), WriteStamp.UNFENCED));
        assertThat(amsBindings.rows.keySet()).containsExactly("sip:anna@example.test");
        assertThat(poolBindings.rows.keySet())
                .containsExactlyInAnyOrder("sip:polly@example.test", "sip:nobody@example.test");
        assertThat(await(bindings.load("sip:anna@example.test"))).containsExactly(b);
        assertThat(await(homes.of("weird"))).isEmpty();
    }

    @Test
    void a_branch_users_lookup_reads_the_store_and_a_pool_users_asks_the_entity() {
        await(accounts.put(account("anna", "ams")));
        await(accounts.put(account("polly", "")));
        List<String> asked = new ArrayList<>();
        SiteLocations locations = new SiteLocations(
                aor -> {
                    asked.add("entity " + aor);
                    return CompletableFuture.completedFuture(List.of());
                },
                aor -> {
                    asked.add("store " + aor);
                    return CompletableFuture.completedFuture(List.of());
                },
                homes);
        await(locations.lookup("sip:anna@example.test"));
        await(locations.lookup("sip:polly@example.test"));
        assertThat(asked).containsExactly("store sip:anna@example.test", "entity sip:polly@example.test");
    }

    @Test
    void a_home_site_that_is_no_longer_configured_counts_as_the_pool() {
        await(poolAccounts.put(account("ghost", "lisbon")));
        assertThat(await(homes.of("sip:ghost@example.test"))).isEmpty();
    }

    @Test
    void a_branch_users_call_settings_are_in_her_site_keyspace_only() {
        await(accounts.put(account("anna", "ams")));
        await(accounts.put(account("polly", "")));
        await(callSettings.put(simRing("anna", "sip:bea@example.test")));
        await(callSettings.put(simRing("polly", "sip:olga@example.test")));
        assertThat(amsSettings.rows.keySet()).containsExactly("sip:anna@example.test");
        assertThat(poolSettings.rows.keySet()).containsExactly("sip:polly@example.test");
        assertThat(await(callSettings.find("sip:anna@example.test"))
                        .orElseThrow()
                        .simRing())
                .contains("sip:bea@example.test");
        await(callSettings.delete("sip:anna@example.test"));
        assertThat(amsSettings.rows).isEmpty();
        assertThat(await(callSettings.find("sip:anna@example.test"))).isEmpty();
    }

    /** A row the pool wrote in its own keyspace before branch users' settings moved to their sites. */
    @Test
    void a_branch_users_row_from_before_is_read_at_the_pool_until_the_next_change_moves_it() {
        await(accounts.put(account("anna", "ams")));
        await(poolSettings.put(simRing("anna", "sip:old@example.test")));
        assertThat(await(callSettings.findLatest("sip:anna@example.test"))
                        .orElseThrow()
                        .simRing())
                .contains("sip:old@example.test");
        await(callSettings.put(simRing("anna", "sip:new@example.test")));
        assertThat(poolSettings.rows).isEmpty();
        assertThat(amsSettings.rows.get("sip:anna@example.test").simRing()).contains("sip:new@example.test");
    }

    @Test
    void a_move_takes_the_call_settings_along() {
        await(accounts.put(account("anna", "")));
        await(callSettings.put(simRing("anna", "sip:bea@example.test")));
        await(accounts.put(account("anna", "ams")));
        assertThat(poolSettings.rows).isEmpty();
        assertThat(amsSettings.rows).containsKey("sip:anna@example.test");
        await(accounts.put(account("anna", "nyc")));
        assertThat(amsSettings.rows).isEmpty();
        assertThat(nycSettings.rows).containsKey("sip:anna@example.test");
        assertThat(poolSettings.rows).isEmpty();
        await(accounts.put(account("anna", "")));
        assertThat(nycSettings.rows).isEmpty();
        assertThat(poolSettings.rows.get("sip:anna@example.test").simRing()).contains("sip:bea@example.test");
        // a change of anything but the home site leaves the settings alone
        await(accounts.put(account("anna", "")));
        assertThat(poolSettings.rows).containsKey("sip:anna@example.test");
    }

    @Test
    void a_move_of_a_user_with_a_row_from_before_leaves_one_row_at_the_new_site() {
        await(accounts.put(account("anna", "ams")));
        await(poolSettings.put(simRing("anna", "sip:old@example.test")));
        await(accounts.put(account("anna", "nyc")));
        assertThat(poolSettings.rows).isEmpty();
        assertThat(amsSettings.rows).isEmpty();
        assertThat(nycSettings.rows.get("sip:anna@example.test").simRing()).contains("sip:old@example.test");
    }

    static CallSettings simRing(String user, String target) {
        return new CallSettings(
                "sip:" + user + "@example.test",
                Optional.of(target),
                io.switchboard.proxy.domain.Forwarding.OFF,
                Instant.parse("2026-12-05T10:00:00Z"));
    }

    static Account account(String user, String site) {
        return new Account(
                        user,
                        "example.test",
                        "User " + user,
                        "",
                        Map.of(DigestAlgorithm.MD5, DigestAlgorithm.MD5.ha1(user, "example.test", "pass-" + user)),
                        Instant.parse("2026-12-05T10:00:00Z"))
                .withHomeSite(site);
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
                new io.switchboard.sip.flow.Flow("udp", "10.0.0.1", 5060, "node-1", null),
                "site-routing-test",
                now);
    }

    static <T> T await(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    /** One domain's accounts by user part (the tests use example.test only). */
    static final class Accounts implements AccountStore {
        final Map<String, Account> rows = new ConcurrentHashMap<>();

        @Override
        public CompletionStage<Optional<Account>> find(String domain, String user) {
            return CompletableFuture.completedFuture(Optional.ofNullable(rows.get(user)));
        }

        @Override
        public CompletionStage<Void> put(Account account) {
            rows.put(account.user(), account);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Boolean> delete(String domain, String user) {
            return CompletableFuture.completedFuture(rows.remove(user) != null);
        }

        @Override
        public CompletionStage<AccountPage> list(String domain, String afterUser, int limit) {
            throw new UnsupportedOperationException();
        }
    }

    /** Call settings by AOR. */
    static final class Settings implements CallSettingsStore {
        final Map<String, CallSettings> rows = new ConcurrentHashMap<>();

        @Override
        public CompletionStage<Optional<CallSettings>> find(String aor) {
            return CompletableFuture.completedFuture(Optional.ofNullable(rows.get(CallSettings.canonicalAor(aor))));
        }

        @Override
        public CompletionStage<Void> put(CallSettings settings) {
            rows.put(settings.aor(), settings);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> delete(String aor) {
            rows.remove(CallSettings.canonicalAor(aor));
            return CompletableFuture.completedFuture(null);
        }
    }

    static final class Bindings implements BindingStore {
        final Map<String, List<Binding>> rows = new ConcurrentHashMap<>();

        @Override
        public CompletionStage<List<Binding>> load(String aor) {
            return CompletableFuture.completedFuture(rows.getOrDefault(aor, List.of()));
        }

        @Override
        public CompletionStage<Void> write(
                String aor, List<Binding> upserts, List<BindingKey> removals, Instant now, WriteStamp stamp) {
            rows.put(aor, List.copyOf(upserts));
            return CompletableFuture.completedFuture(null);
        }
    }
}
