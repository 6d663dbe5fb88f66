package io.switchboard.addressbook.store;

import java.time.Clock;

class InMemoryAddressBookStoreTest extends AddressBookStoreContract {
    @Override
    AddressBookStore store() {
        return new InMemoryAddressBookStore(Clock.systemUTC());
    }
}
