package io.switchboard.accounts.store;

import io.switchboard.accounts.domain.Account;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where accounts live. All calls are asynchronous so the registrar's SIP threads never wait on
 * storage (docs/architecture.md, rule 4); a failed stage means infrastructure trouble, never "not found".
 *
 * <p>Keys are canonical: {@code domain} lower-case as in {@link Account#domain()}, {@code user}
 * exactly as in {@link Account#user()} (user parts are case-sensitive). Parse what clients send
 * with {@code SipAddress} first; a differently spelt key simply finds nothing.
 */
public interface AccountStore {

    /** Largest page {@link #list} returns; listing is for operators, not for bulk export. */
    int MAX_PAGE_SIZE = 1000;

    /** The account, or empty if the user does not exist. */
    CompletionStage<Optional<Account>> find(String domain, String user);

    /** Creates or replaces the account (all fields); completes once durably written. */
    CompletionStage<Void> put(Account account);

    /** Removes the account; true if it existed. */
    CompletionStage<Boolean> delete(String domain, String user);

    /**
     * One page of a domain's accounts ordered by user part (ordinal comparison; user parts are
     * ASCII). Keyset paging: pass "" for the first page, then {@link AccountPage#next()} of the
     * previous page. Stateless, so it survives node restarts and tolerates concurrent edits
     * (an account added behind the cursor is just not seen in this pass).
     *
     * @param afterUser only users sorting strictly after this one; "" for the start
     * @param limit 1 to {@link #MAX_PAGE_SIZE}, else IllegalArgumentException
     */
    CompletionStage<AccountPage> list(String domain, String afterUser, int limit);

    static void checkLimit(int limit) {
        if (limit < 1 || limit > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_PAGE_SIZE + ", was " + limit);
        }
    }
}
