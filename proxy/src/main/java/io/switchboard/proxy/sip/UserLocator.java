package io.switchboard.proxy.sip;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.switchboard.accounts.store.AccountStore;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.registrar.store.BindingStore;

/**
 * Finds where a user of our domains can be reached: whether the account exists (404 if not) and
 * its current bindings.
 *
 * <p>Bindings come from the AOR's registrar entity (the single writer, so it has the latest). When
 * the entity does not answer within the lookup timeout, typically because the node that owned it
 * has just died and the cluster has not yet moved its shard, they are read from Cassandra instead:
 * every binding a client was told about is there (DESIGN rule 2), so calls reach users of a dead
 * node within the lookup timeout rather than after the failure detector, the Split Brain Resolver
 * and the shard hand-over (about 15 s together). Reading is not writing: rule 1 (single writer)
 * still holds.
 */
public final class UserLocator {

    private static final Logger LOG = LoggerFactory.getLogger(UserLocator.class);

    public sealed interface Located permits NoSuchUser, Found {
    }

    public record NoSuchUser(String aor) implements Located {
    }

    /** @param fromStore true when the entity did not answer and Cassandra did */
    public record Found(String aor, List<Binding> bindings, boolean fromStore) implements Located {
    }

    private final AccountStore accounts;
    private final RegistrarClient registrar;
    private final BindingStore store;

    public UserLocator(AccountStore accounts, RegistrarClient registrar, BindingStore store) {
        this.accounts = accounts;
        this.registrar = registrar;
        this.store = store;
    }

    /** @param aor {@code sip:user@domain}, domain lower case */
    public CompletionStage<Located> locate(String aor) {
        int at = aor.indexOf('@');
        String user = aor.substring(aor.indexOf(':') + 1, at);
        String domain = aor.substring(at + 1);
        return accounts.find(domain, user).thenCompose(account -> account.isEmpty()
                ? CompletableFuture.completedFuture(new NoSuchUser(aor))
                : bindings(aor));
    }

    private CompletionStage<Located> bindings(String aor) {
        CompletableFuture<Located> result = new CompletableFuture<>();
        registrar.bindings(aor).whenComplete((reply, failure) -> {
            if (failure == null && reply instanceof RegistrarEntity.CurrentBindings current) {
                result.complete(new Found(aor, current.bindings(), false));
                return;
            }
            LOG.debug("Registrar entity for {} did not answer ({}); reading its bindings from the store", aor,
                    failure != null ? failure.toString() : reply);
            store.load(aor).whenComplete((loaded, storeFailure) -> {
                if (storeFailure != null) {
                    result.completeExceptionally(storeFailure);
                } else {
                    result.complete(new Found(aor, loaded, true));
                }
            });
        });
        return result;
    }
}
