package io.switchboard.accounts.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.accounts.domain.Account;
import io.switchboard.sip.auth.DigestAlgorithm;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AccountStore} must do; run against the in-memory fake (so cache tests rest
 * on a faithful fake) and against Cassandra.
 */
abstract class AccountStoreContract {

    static final Instant CREATED = Instant.parse("2025-03-01T10:15:30.123Z");

    /** An empty store; each test starts from nothing. */
    abstract AccountStore store();

    static Account account(String domain, String user, String password) {
        Map<DigestAlgorithm, String> ha1 = new java.util.EnumMap<>(DigestAlgorithm.class);
        for (DigestAlgorithm a : DigestAlgorithm.values()) {
            ha1.put(a, a.ha1(user, domain, password));
        }
        return new Account(user, domain, "Name of " + user, "+4930" + Math.abs(user.hashCode() % 100000), ha1, CREATED);
    }

    static <T> T await(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    @Test
    void findsWhatWasPutWithEveryField() {
        AccountStore store = store();
        Account alice = account("example.test", "alice", "correct horse");

        await(store.put(alice));

        assertThat(await(store.find("example.test", "alice"))).contains(alice);
    }

    @Test
    void unknownUsersAndOtherDomainsAreEmpty() {
        AccountStore store = store();
        await(store.put(account("example.test", "alice", "correct horse")));

        assertThat(await(store.find("example.test", "bob"))).isEmpty();
        assertThat(await(store.find("other.test", "alice"))).isEmpty();
        // user parts are case-sensitive (RFC 3261 19.1.4)
        assertThat(await(store.find("example.test", "Alice"))).isEmpty();
    }

    @Test
    void putReplacesTheWholeAccount() {
        AccountStore store = store();
        await(store.put(account("example.test", "alice", "correct horse")));
        Account changed = new Account(
                "alice",
                "example.test",
                "",
                "",
                Map.of(DigestAlgorithm.MD5, DigestAlgorithm.MD5.ha1("alice", "example.test", "new password")),
                CREATED.plusSeconds(1));

        await(store.put(changed));

        assertThat(await(store.find("example.test", "alice"))).contains(changed);
    }

    @Test
    void keepsTheHomeSiteAndAMoveReplacesIt() {
        AccountStore store = store();
        Account atAms = account("example.test", "alice", "correct horse").withHomeSite("ams");
        await(store.put(atAms));
        assertThat(await(store.find("example.test", "alice"))).contains(atAms);
        assertThat(await(store.find("example.test", "alice")).orElseThrow().homedAtBranch())
                .isTrue();

        await(store.put(atAms.withHomeSite(Account.POOL_SITE)));

        Account back = await(store.find("example.test", "alice")).orElseThrow();
        assertThat(back.homeSite()).isEqualTo(Account.POOL_SITE);
        assertThat(back.homedAtBranch()).isFalse();
    }

    @Test
    void deleteSaysWhetherTheAccountExisted() {
        AccountStore store = store();
        await(store.put(account("example.test", "alice", "correct horse")));

        assertThat(await(store.delete("example.test", "alice"))).isTrue();
        assertThat(await(store.find("example.test", "alice"))).isEmpty();
        assertThat(await(store.delete("example.test", "alice"))).isFalse();
        assertThat(await(store.delete("example.test", "nobody"))).isFalse();
    }

    @Test
    void listsADomainInUserOrderPageByPage() {
        AccountStore store = store();
        List<String> users = IntStream.range(0, 45)
                .mapToObj(i -> "user" + (char) ('a' + i % 26) + i)
                .collect(Collectors.toCollection(ArrayList::new));
        users.add("Zed");
        users.add("+4930123");
        Collections.shuffle(users, new java.util.Random(7));
        for (String user : users) {
            await(store.put(account("example.test", user, "correct horse")));
        }
        await(store.put(account("other.test", "intruder", "correct horse")));

        List<String> seen = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        Optional<String> cursor = Optional.of("");
        while (cursor.isPresent()) {
            AccountPage page = await(store.list("example.test", cursor.get(), 10));
            page.accounts().forEach(a -> seen.add(a.user()));
            pageSizes.add(page.accounts().size());
            cursor = page.next();
        }

        assertThat(seen).isEqualTo(users.stream().sorted().toList());
        assertThat(pageSizes).containsExactly(10, 10, 10, 10, 7);
    }

    @Test
    void aFullLastPageHasNoNextCursor() {
        AccountStore store = store();
        for (String user : List.of("a", "b", "c", "d")) {
            await(store.put(account("example.test", user, "correct horse")));
        }

        AccountPage first = await(store.list("example.test", "", 2));
        AccountPage second = await(store.list("example.test", first.next().orElseThrow(), 2));

        assertThat(first.accounts()).extracting(Account::user).containsExactly("a", "b");
        assertThat(first.next()).contains("b");
        assertThat(second.accounts()).extracting(Account::user).containsExactly("c", "d");
        assertThat(second.next()).isEmpty();
        assertThat(await(store.list("empty.test", "", 5))).isEqualTo(new AccountPage(List.of(), Optional.empty()));
    }

    @Test
    void pageSizeIsBounded() {
        AccountStore store = store();
        assertThatThrownBy(() -> store.list("example.test", "", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.list("example.test", "", AccountStore.MAX_PAGE_SIZE + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
