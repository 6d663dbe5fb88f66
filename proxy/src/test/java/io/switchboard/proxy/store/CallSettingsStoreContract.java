package io.switchboard.proxy.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.proxy.domain.CallSettings;
import io.switchboard.proxy.domain.Forwarding;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What every {@link CallSettingsStore} must do; subclasses supply an empty store. */
abstract class CallSettingsStoreContract {

    static final String ALICE = "sip:alice@example.test";
    static final Instant T1 = Instant.parse("2026-11-21T10:00:00.123Z");
    static final Instant T2 = Instant.parse("2026-11-21T11:30:00Z");

    abstract CallSettingsStore store();

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static CallSettings full(String aor, Instant at) {
        return new CallSettings(
                aor,
                Optional.of("sip:+31612345678@example.test;user=phone"),
                new Forwarding.NoAnswer("sip:voicemail@example.test", Duration.ofSeconds(25)),
                at);
    }

    @Test
    void unknown_aor_has_no_settings_and_settingsFor_says_none() {
        CallSettingsStore store = store();
        assertThat(await(store.find(ALICE))).isEmpty();
        assertThat(await(store.settingsFor(ALICE))).isEqualTo(CallSettings.none(ALICE));
    }

    @Test
    void put_then_find_returns_what_was_put() {
        CallSettingsStore store = store();
        CallSettings alice = full(ALICE, T1);
        await(store.put(alice));
        assertThat(await(store.find(ALICE))).contains(alice);
        assertThat(await(store.settingsFor(ALICE))).isEqualTo(alice);
        assertThat(await(store.find("sip:bob@example.test"))).isEmpty();
    }

    @Test
    void every_forwarding_mode_and_no_sim_ring_round_trip() {
        CallSettingsStore store = store();
        for (CallSettings s : new CallSettings[] {
            new CallSettings(ALICE, Optional.empty(), new Forwarding.Immediate("sips:desk@example.test"), T1),
            new CallSettings(ALICE, Optional.of("sip:bob@other.test"), Forwarding.OFF, T1),
            new CallSettings(
                    ALICE,
                    Optional.empty(),
                    new Forwarding.NoAnswer("sip:x@example.test", Duration.ofSeconds(120)),
                    T1),
            CallSettings.none(ALICE)
        }) {
            await(store.put(s));
            assertThat(await(store.find(ALICE))).as("%s", s).contains(s);
        }
    }

    @Test
    void put_overwrites_every_field() {
        CallSettingsStore store = store();
        await(store.put(full(ALICE, T1)));
        CallSettings replaced =
                new CallSettings(ALICE, Optional.empty(), new Forwarding.Immediate("sip:bob@example.test"), T2);
        await(store.put(replaced));
        assertThat(await(store.find(ALICE))).contains(replaced);
    }

    @Test
    void delete_removes_and_deleting_nothing_is_fine() {
        CallSettingsStore store = store();
        await(store.put(full(ALICE, T1)));
        await(store.put(full("sip:bob@example.test", T1)));
        await(store.delete(ALICE));
        assertThat(await(store.find(ALICE))).isEmpty();
        assertThat(await(store.find("sip:bob@example.test"))).isPresent();
        await(store.delete(ALICE));
        await(store.delete("sip:nobody@example.test"));
        assertThat(await(store.find(ALICE))).isEmpty();
    }

    @Test
    void the_domain_of_the_key_is_case_insensitive_the_user_is_not() {
        CallSettingsStore store = store();
        await(store.put(full("sip:alice@Example.TEST", T1)));
        assertThat(await(store.find("sip:alice@EXAMPLE.test"))).contains(full(ALICE, T1));
        assertThat(await(store.find("sip:Alice@example.test"))).isEmpty();
        await(store.delete("sip:alice@EXAMPLE.TEST"));
        assertThat(await(store.find(ALICE))).isEmpty();
    }
}
