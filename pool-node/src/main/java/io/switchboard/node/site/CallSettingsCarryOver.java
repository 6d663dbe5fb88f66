package io.switchboard.node.site;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.store.AccountPage;
import io.switchboard.accounts.store.AccountStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Carries the call settings of a branch site's users over from the pool's keyspace, where the pool kept them before
 * they lived in the site keyspace (README, "Sites and branches"), so that the branch node follows them too. A pool
 * node runs it once per open site when it starts, for the users whose accounts are in the site keyspace (those the
 * branch can serve at all).
 *
 * <p>Each row is copied with the write time it has in the pool's keyspace ({@code USING TIMESTAMP}) and then deleted
 * there at that same time. So a change an operator makes meanwhile, written later, wins in both places whichever
 * order the writes land in: the copy cannot overwrite newer settings at the site, nor the delete remove a newer pool
 * row. Copying twice (every pool node does this at its start) writes the same cells again: harmless.
 */
public final class CallSettingsCarryOver {

    /** Accounts read per page of the site's users. */
    static final int PAGE = 200;

    private final CqlSession poolSession;
    private final CqlSession siteSession;
    private final PreparedStatement read;
    private final PreparedStatement copy;
    private final PreparedStatement delete;

    /**
     * Prepares the statements (blocking: call at startup).
     *
     * @param poolSession a session that reads and writes {@code poolKeyspace}
     * @param siteSession a session on the site keyspace
     */
    public CallSettingsCarryOver(CqlSession poolSession, CqlIdentifier poolKeyspace, CqlSession siteSession) {
        this.poolSession = poolSession;
        this.siteSession = siteSession;
        String from = poolKeyspace.asCql(true) + ".call_settings";
        String to = siteSession
                        .getKeyspace()
                        .orElseThrow(() -> new IllegalArgumentException("the site session has no keyspace"))
                        .asCql(true)
                + ".call_settings";
        this.read = poolSession.prepare("SELECT sim_ring, forward_mode, forward_target, forward_after_seconds,"
                + " updated_at, WRITETIME(updated_at) AS written FROM " + from + " WHERE aor = ?");
        this.copy = siteSession.prepare(SimpleStatement.builder("INSERT INTO " + to
                        + " (aor, sim_ring, forward_mode, forward_target, forward_after_seconds, updated_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?")
                .setIdempotence(true)
                .build());
        this.delete =
                poolSession.prepare(SimpleStatement.builder("DELETE FROM " + from + " USING TIMESTAMP ? WHERE aor = ?")
                        .setIdempotence(true)
                        .build());
    }

    /** Carries {@code aor}'s row over, if the pool's keyspace has one; completes with whether it had. */
    public CompletionStage<Boolean> carry(String aor) {
        return poolSession.executeAsync(read.bind(aor)).thenCompose(rs -> {
            Row row = rs.one();
            if (row == null || row.isNull("written")) {
                return CompletableFuture.completedFuture(false);
            }
            long written = row.getLong("written");
            return siteSession
                    .executeAsync(copy.bind(
                            aor,
                            row.getString("sim_ring"),
                            row.getString("forward_mode"),
                            row.getString("forward_target"),
                            row.isNull("forward_after_seconds") ? null : row.getInt("forward_after_seconds"),
                            row.getInstant("updated_at"),
                            written))
                    .thenCompose(done -> poolSession.executeAsync(delete.bind(written, aor)))
                    .thenApply(done -> true);
        });
    }

    /**
     * Carries over the rows of every user {@code siteAccounts} lists in these domains, a page at a time; completes
     * with how many rows it carried.
     */
    public CompletionStage<Integer> carryAll(AccountStore siteAccounts, List<String> domains) {
        AtomicInteger carried = new AtomicInteger();
        CompletionStage<Void> all = CompletableFuture.completedFuture(null);
        for (String domain : domains) {
            all = all.thenCompose(done -> pages(siteAccounts, domain, "", carried));
        }
        return all.thenApply(done -> carried.get());
    }

    private CompletionStage<Void> pages(AccountStore accounts, String domain, String after, AtomicInteger carried) {
        return accounts.list(domain, after, PAGE).thenCompose((AccountPage page) -> {
            List<CompletableFuture<Boolean>> each = new ArrayList<>();
            for (Account a : page.accounts()) {
                each.add(carry(io.switchboard.proxy.domain.CallSettings.canonicalAor(a.aor()))
                        .toCompletableFuture());
            }
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                    .thenCompose(done -> {
                        each.forEach(f -> {
                            if (f.join()) {
                                carried.incrementAndGet();
                            }
                        });
                        return page.next()
                                .map(next -> pages(accounts, domain, next, carried))
                                .orElse(CompletableFuture.completedFuture(null));
                    });
        });
    }
}
