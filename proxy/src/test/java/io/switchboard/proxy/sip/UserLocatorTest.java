package io.switchboard.proxy.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.store.AccountPage;
import io.switchboard.accounts.store.AccountStore;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.registrar.location.Locations;
import io.switchboard.sip.auth.DigestAlgorithm;
import io.switchboard.sip.flow.Flow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who learns what about a user, and what each lookup costs (README, "No user enumeration"):
 * counting fakes record every call, so "a stranger's lookups are the same for a known and an
 * unknown user" is shown by the calls made, not by a clock.
 */
class UserLocatorTest {

    private static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");
    private static final String BOB = "sip:bob@example.test";
    private static final String NOBODY = "sip:nobody@example.test";

    /** Every call any fake received, in order, with the AOR replaced by "AOR" for comparison. */
    private final List<String> calls = new ArrayList<>();

    private final Binding bobsPhone = new Binding(
            BindingKey.forContact("sip:bob@192.0.2.7:5060"),
            "sip:bob@192.0.2.7:5060",
            "call-1",
            1,
            NOW.plusSeconds(300),
            1000,
            null,
            0,
            List.of(),
            new Flow("udp", "192.0.2.7", 5060, "node-1", ""),
            "ua",
            NOW);

    private final AccountStore accounts = new AccountStore() {
        @Override
        public CompletionStage<Optional<Account>> find(String domain, String user) {
            calls.add("accounts.find");
            return CompletableFuture.completedFuture(
                    "bob".equals(user)
                            ? Optional.of(new Account(
                                    "bob", domain, "", "", Map.of(DigestAlgorithm.MD5, "0".repeat(32)), NOW))
                            : Optional.empty());
        }

        @Override
        public CompletionStage<Void> put(Account account) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Boolean> delete(String domain, String user) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<AccountPage> list(String domain, String afterUser, int limit) {
            throw new UnsupportedOperationException();
        }
    };

    /** The registrar entity: a stranger must never reach it (it would start one per made-up name). */
    private final Locations entity = aor -> {
        calls.add("entity.lookup");
        return CompletableFuture.completedFuture(BOB.equals(aor) ? List.of(bobsPhone) : List.of());
    };

    /** The binding store; for "nobody" it holds a binding left behind by a deleted account. */
    private final Locations store = aor -> {
        calls.add("store.lookup");
        return CompletableFuture.completedFuture(List.of(bobsPhone));
    };

    private final UserLocator locator = new UserLocator(accounts, entity, store);

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of(
                        "our user asks for an existing user: the entity's bindings",
                        BOB,
                        true,
                        "Found 1",
                        List.of("accounts.find", "entity.lookup")),
                Arguments.of(
                        "our user asks for a non-existent user: 404",
                        NOBODY,
                        true,
                        "NoSuchUser",
                        List.of("accounts.find")),
                Arguments.of(
                        "a stranger asks for an existing user: the stored bindings",
                        BOB,
                        false,
                        "Found 1",
                        List.of("accounts.find", "store.lookup")),
                Arguments.of(
                        "a stranger asks for a non-existent user: an existing user with nobody to ring",
                        NOBODY,
                        false,
                        "Found 0",
                        List.of("accounts.find", "store.lookup")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(String name, String aor, boolean authenticated, String expected, List<String> expectedCalls) {
        UserLocator.Located located =
                locator.locate(aor, authenticated).toCompletableFuture().join();

        String got =
                located instanceof UserLocator.Found f ? "Found " + f.bindings().size() : "NoSuchUser";
        assertThat(got).isEqualTo(expected);
        assertThat(calls).isEqualTo(expectedCalls);
    }

    @Test
    void a_stranger_causes_the_same_lookups_for_a_known_and_an_unknown_user() {
        locator.locate(BOB, false).toCompletableFuture().join();
        List<String> known = List.copyOf(calls);
        calls.clear();
        UserLocator.Located unknown =
                locator.locate(NOBODY, false).toCompletableFuture().join();

        assertThat(calls).isEqualTo(known);
        assertThat(unknown).isEqualTo(new UserLocator.Found(NOBODY, List.of()));
        // the same value an existing user without bindings gets: nothing after it can differ
        UserLocator nothingRegistered =
                new UserLocator(accounts, entity, aor -> CompletableFuture.completedFuture(List.of()));
        assertThat(nothingRegistered.locate(BOB, false).toCompletableFuture().join())
                .isEqualTo(new UserLocator.Found(BOB, List.of()));
    }

    @Test
    void without_an_authenticated_flag_the_pool_itself_may_learn_absence() {
        assertThat(locator.locate(NOBODY).toCompletableFuture().join()).isEqualTo(new UserLocator.NoSuchUser(NOBODY));
    }
}
