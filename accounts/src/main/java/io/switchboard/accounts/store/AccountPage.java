package io.switchboard.accounts.store;

import io.switchboard.accounts.domain.Account;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A page of {@link AccountStore#list}.
 *
 * @param next the {@code afterUser} for the following page; empty when this page is the last
 */
public record AccountPage(List<Account> accounts, Optional<String> next) {

    public AccountPage {
        accounts = List.copyOf(accounts);
        Objects.requireNonNull(next, "next");
    }
}
