package io.switchboard.node.site;

import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.store.AccountPage;
import io.switchboard.accounts.store.AccountStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A pool node's accounts when the pool has branch sites (README, "Sites and branches"). The pool's keyspace
 * stays the directory of every user (reads and listings come from it); the account of a user homed at a branch
 * is also kept in that site's keyspace, so the branch node can authenticate the user on its own. A write goes
 * to the home site's keyspace first, then the directory, then removes the copy at the site the user left (a
 * move), so a failure part-way leaves at worst an extra copy at a branch, never a branch user the branch cannot
 * authenticate while the directory says it should.
 *
 * <p>A change of home site moves the user's call settings too ({@link SiteCallSettings}): copied to where the new
 * site reads them before the directory changes, removed from the old place after.
 */
public final class SiteAccountStore implements AccountStore {

    private final AccountStore pool;
    private final Map<String, ? extends AccountStore> sites;
    private final SiteCallSettings callSettings;

    /**
     * @param pool  the directory, in the pool's keyspace
     * @param sites each branch site's accounts, in its site keyspace
     * @param callSettings the call settings of each site's users, moved along with a user
     */
    public SiteAccountStore(
            AccountStore pool, Map<String, ? extends AccountStore> sites, SiteCallSettings callSettings) {
        this.pool = pool;
        this.sites = Map.copyOf(sites);
        this.callSettings = callSettings;
    }

    @Override
    public CompletionStage<Optional<Account>> find(String domain, String user) {
        return pool.find(domain, user);
    }

    @Override
    public CompletionStage<Void> put(Account account) {
        AccountStore home = account.homedAtBranch() ? sites.get(account.homeSite()) : null;
        return pool.find(account.domain(), account.user()).thenCompose(before -> {
            Optional<String> movedFrom = before.map(Account::homeSite).filter(from -> !from.equals(account.homeSite()));
            CompletionStage<Void> settingsCopied = movedFrom
                    .map(from -> callSettings.copyForMove(account.aor(), from, account.homeSite()))
                    .orElse(CompletableFuture.completedFuture(null));
            return settingsCopied
                    .thenCompose(done -> home == null ? CompletableFuture.completedFuture(null) : home.put(account))
                    .thenCompose(done -> pool.put(account))
                    .thenCompose(done -> before.filter(
                                    b -> b.homedAtBranch() && !b.homeSite().equals(account.homeSite()))
                            .map(b -> sites.get(b.homeSite()))
                            .<CompletionStage<Void>>map(left -> left.delete(account.domain(), account.user())
                                    .thenApply(existed -> null))
                            .orElse(CompletableFuture.completedFuture(null)))
                    .thenCompose(done -> movedFrom
                            .map(from -> callSettings.removeAfterMove(account.aor(), from, account.homeSite()))
                            .orElse(CompletableFuture.completedFuture(null)));
        });
    }

    @Override
    public CompletionStage<Boolean> delete(String domain, String user) {
        return pool.find(domain, user).thenCompose(before -> {
            AccountStore home = before.filter(Account::homedAtBranch)
                    .map(b -> sites.get(b.homeSite()))
                    .orElse(null);
            CompletionStage<Boolean> atHome =
                    home == null ? CompletableFuture.completedFuture(false) : home.delete(domain, user);
            // the directory last: while the branch copy goes, the directory still says where the user was
            return atHome.thenCompose(ignored -> pool.delete(domain, user));
        });
    }

    @Override
    public CompletionStage<AccountPage> list(String domain, String afterUser, int limit) {
        return pool.list(domain, afterUser, limit);
    }
}
