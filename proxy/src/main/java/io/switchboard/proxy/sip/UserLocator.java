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
 *
 * <p>Who may learn that a user does not exist (README, "No user enumeration"): only a requester
 * who authenticated as one of our users. For anyone else {@link #locate(String, boolean)} does the
 * same lookups whether or not the account exists, one account lookup (cached alike for "found" and
 * "absent", {@code CachingAccountStore}) and one read of the AOR's bindings from the store (never
 * the registrar entity, which a stranger must not be able to start for any name he makes up), and
 * answers a non-existent user as {@link Found} with no bindings: the very value an existing user
 * who registered nothing gets, so everything after it takes the same path and sends the same 480.
 */
public final class UserLocator {

    public sealed interface Located permits NoSuchUser, Found {}

    public record NoSuchUser(String aor) implements Located {}

    public record Found(String aor, List<Binding> bindings) implements Located {}

    private final AccountStore accounts;
    private final Locations locations;
    private final Locations forStrangers;

    /**
     * @param locations best over {@code RegistrarClient.readingThroughToStore}, so lookups survive a node loss
     * @param forStrangers lookups for requesters who did not authenticate, made for every AOR they
     *     name, existing or not: {@code Locations.storedIn} the binding store
     */
    public UserLocator(AccountStore accounts, Locations locations, Locations forStrangers) {
        this.accounts = accounts;
        this.locations = locations;
        this.forStrangers = forStrangers;
    }

    /**
     * For a requester who may learn that a user does not exist (our own users, and the pool itself
     * following a user's call settings).
     *
     * @param aor {@code sip:user@domain}, domain lower case
     */
    public CompletionStage<Located> locate(String aor) {
        return locate(aor, true);
    }

    /**
     * @param aor {@code sip:user@domain}, domain lower case
     * @param mayLearnAbsence whether the requester authenticated as one of our users; if not, the
     *     lookups are the same for every AOR and a non-existent user is {@link Found} with no
     *     bindings, indistinguishable from an unreachable one
     */
    public CompletionStage<Located> locate(String aor, boolean mayLearnAbsence) {
        int at = aor.indexOf('@');
        String user = aor.substring(aor.indexOf(':') + 1, at);
        String domain = aor.substring(at + 1);
        if (!mayLearnAbsence) {
            return accounts.find(domain, user)
                    .thenCompose(account -> forStrangers
                            .lookup(aor)
                            // bindings left behind by a deleted account are not rung
                            .thenApply(bindings -> new Found(aor, account.isPresent() ? bindings : List.of())));
        }
        return accounts.find(domain, user)
                .thenCompose(account -> account.isPresent()
                        ? locations.lookup(aor).thenApply(bindings -> (Located) new Found(aor, bindings))
                        : CompletableFuture.completedFuture(new NoSuchUser(aor)));
    }
}
