package io.switchboard.presence.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What every {@link ContactListStore} and {@link AccessStore} must do; subclasses supply empty stores. */
abstract class StoreContract {

    static final String ALICE = "sip:alice@example.test";
    static final String BOB = "sip:bob@example.test";

    abstract ContactListStore contacts();

    abstract AccessStore access();

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void a_user_without_contacts_has_an_empty_list() {
        assertThat(await(contacts().load(ALICE))).isEqualTo(ContactList.empty(ALICE));
    }

    @Test
    void contacts_are_stored_per_owner_ordered_by_uri_and_replaced_by_uri() {
        ContactListStore store = contacts();
        await(store.put(
                ALICE, new Contact("sip:zoe@example.test", "Zoe", List.of("Team", "Lunch")), WriteStamp.UNFENCED));
        await(store.put(ALICE, new Contact(BOB, "", List.of()), WriteStamp.UNFENCED));
        await(store.put(BOB, new Contact(ALICE, "Alice", List.of("Boss")), WriteStamp.UNFENCED));
        await(store.put(
                ALICE, new Contact("sip:carol@partner.example", "Carol", List.of("Partners")), WriteStamp.UNFENCED));
        await(store.put(ALICE, new Contact("sip:zoe@example.test", "Zoë", List.of("Lunch")), WriteStamp.UNFENCED));

        ContactList alice = await(store.load(ALICE));
        assertThat(alice.owner()).isEqualTo(ALICE);
        assertThat(alice.contacts())
                .containsExactly(
                        new Contact(BOB, "", List.of()),
                        new Contact("sip:carol@partner.example", "Carol", List.of("Partners")),
                        new Contact("sip:zoe@example.test", "Zoë", List.of("Lunch")));
        assertThat(await(store.load(BOB)).contacts()).containsExactly(new Contact(ALICE, "Alice", List.of("Boss")));
    }

    @Test
    void remove_takes_one_contact_and_is_idempotent() {
        ContactListStore store = contacts();
        await(store.put(ALICE, new Contact(BOB, "Bob", List.of()), WriteStamp.UNFENCED));
        await(store.put(ALICE, new Contact("sip:carol@example.test", "Carol", List.of()), WriteStamp.UNFENCED));
        await(store.remove(ALICE, BOB, WriteStamp.UNFENCED));
        await(store.remove(ALICE, BOB, WriteStamp.UNFENCED));
        await(store.remove(ALICE, "sip:nobody@example.test", WriteStamp.UNFENCED));
        assertThat(await(store.load(ALICE)).uris()).containsExactly("sip:carol@example.test");
    }

    @Test
    void a_user_without_access_entries_has_the_default_policy() {
        assertThat(await(access().load(ALICE))).isEqualTo(AccessPolicy.DEFAULT);
    }

    @Test
    void access_entries_are_kept_per_watcher_and_per_domain_and_replaced_by_key() {
        AccessStore store = access();
        await(store.set(ALICE, BOB, AccessLevel.WORKGROUP, WriteStamp.UNFENCED));
        await(store.set(ALICE, "partner.example", AccessLevel.EXTERNAL, WriteStamp.UNFENCED));
        await(store.set(ALICE, "sip:eve@evil.example", AccessLevel.BLOCKED, WriteStamp.UNFENCED));
        await(store.set(ALICE, BOB, AccessLevel.FRIENDS_AND_FAMILY, WriteStamp.UNFENCED));
        await(store.set(BOB, ALICE, AccessLevel.BLOCKED, WriteStamp.UNFENCED));

        AccessPolicy alice = await(store.load(ALICE));
        assertThat(alice.byWatcher())
                .isEqualTo(Map.of(BOB, AccessLevel.FRIENDS_AND_FAMILY, "sip:eve@evil.example", AccessLevel.BLOCKED));
        assertThat(alice.byDomain()).isEqualTo(Map.of("partner.example", AccessLevel.EXTERNAL));
        assertThat(await(store.load(BOB)).byWatcher()).isEqualTo(Map.of(ALICE, AccessLevel.BLOCKED));

        await(store.remove(ALICE, BOB, WriteStamp.UNFENCED));
        await(store.remove(ALICE, "partner.example", WriteStamp.UNFENCED));
        await(store.remove(ALICE, "never.set", WriteStamp.UNFENCED));
        assertThat(await(store.load(ALICE)))
                .isEqualTo(new AccessPolicy(Map.of("sip:eve@evil.example", AccessLevel.BLOCKED), Map.of()));
    }
}
