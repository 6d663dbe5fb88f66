package io.switchboard.proxy.sip;

import io.switchboard.accounts.store.AccountStore;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.location.Locations;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Finds where a user of our domains can be reached: whether the account exists (404 if not) and
 * its current bindings, from the registrar's {@link Locations}. Over
 * {@code RegistrarClient.readingThroughToStore} that is the AOR's entity (the single writer, so it
 * has the latest) or, when the entity does not answer within the lookup timeout because the node
 * that owned it has just died and the cluster has not moved it yet, Cassandra, where every binding
 * a client was told about is (docs/architecture.md, rule 2). Calls then reach users of a dead node within the
 * lookup timeout rather than after the failure detector, the Split Brain Resolver and the shard
 * hand-over (10-20 s together).
 */
public final class UserLocator {

    public sealed interface Located permits NoSuchUser, Found {}

    public record NoSuchUser(String aor) implements Located {}

    public record Found(String aor, List<Binding> bindings) implements Located {}

    private final AccountStore accounts;
    private final Locations locations;

    /** @param locations best over {@code RegistrarClient.readingThroughToStore}, so lookups survive a node loss */
    public UserLocator(AccountStore accounts, Locations locations) {
        this.accounts = accounts;
        this.locations = locations;
    }

    /** @param aor {@code sip:user@domain}, domain lower case */
    public CompletionStage<Located> locate(String aor) {
        int at = aor.indexOf('@');
        String user = aor.substring(aor.indexOf(':') + 1, at);
        String domain = aor.substring(at + 1);
        return accounts.find(domain, user)
                .thenCompose(account ->
                        account.isEmpty() ? CompletableFuture.completedFuture(new NoSuchUser(aor)) : bindings(aor));
    }

    private CompletionStage<Located> bindings(String aor) {
        return locations.lookup(aor).thenApply(bindings -> new Found(aor, bindings));
    }
}
