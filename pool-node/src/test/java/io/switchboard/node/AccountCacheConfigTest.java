package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.accounts.store.CachingAccountStore;
import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code switchboard.auth.account-cache-ttl}: what config validation accepts, the node can start
 * with. {@code 0s} passed validation and then stopped startup ("ttl must be positive"); it now
 * means no account cache.
 */
class AccountCacheConfigTest {

    @Test
    void zero_turns_the_account_cache_off_instead_of_failing_startup() {
        CachingAccountStore.Settings settings =
                StorageWiring.accountCache(NodeConfig.fromString("switchboard.auth.account-cache-ttl = 0s"));
        assertThat(settings.ttl()).isZero();
    }

    @Test
    void the_default_caches_for_30_seconds() {
        assertThat(StorageWiring.accountCache(NodeConfig.load(null)).ttl()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void a_negative_ttl_is_refused_by_validation_naming_the_key() {
        assertThatThrownBy(() -> NodeConfig.fromString("switchboard.auth.account-cache-ttl = -1s"))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.auth.account-cache-ttl");
    }
}
