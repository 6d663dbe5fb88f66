package io.switchboard.node.site;

import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.store.AccountStore;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Which branch site an address of record is homed at, as the pool's directory says (each account's home site,
 * README "Sites and branches"). Read through the node's account store, whose cache
 * ({@code switchboard.auth.account-cache-ttl}) makes this a memory read for active users; so a {@code user move}
 * reaches every pool node within that time.
 */
public final class HomeSites {

    private final AccountStore accounts;
    private final Set<String> branches;

    /**
     * @param accounts the pool's directory (every user's account, with its home site)
     * @param branches the configured branch sites; a home site no longer configured counts as the pool
     */
    public HomeSites(AccountStore accounts, Set<String> branches) {
        this.accounts = accounts;
        this.branches = Set.copyOf(branches);
    }

    /**
     * The branch site {@code aor} is homed at, or empty for the pool (also for no such user, and for an AOR
     * that is not {@code sip:user@domain}, such as a node's warm-up AOR without an account).
     */
    public CompletionStage<Optional<String>> of(String aor) {
        int colon = aor.indexOf(':');
        int at = aor.lastIndexOf('@');
        if (colon < 0 || at <= colon + 1 || at == aor.length() - 1) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return accounts.find(aor.substring(at + 1), aor.substring(colon + 1, at))
                .thenApply(account -> account.filter(Account::homedAtBranch)
                        .map(Account::homeSite)
                        .filter(branches::contains));
    }
}
