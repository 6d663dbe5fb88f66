package io.switchboard.node.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@code --node} accepts: a URL, host:port, or a local-pool node number. */
class NodeOptionTest {

    @ParameterizedTest
    @CsvSource({
        "http://10.0.0.5:8080, http://10.0.0.5:8080",
        "http://10.0.0.5:8080/, http://10.0.0.5:8080",
        "127.0.0.2:8081, http://127.0.0.2:8081",
        "node-3.pool.example:9000, http://node-3.pool.example:9000",
        "1, http://127.0.0.1:8080",
        "2, http://127.0.0.2:8081",
        "5, http://127.0.0.5:8084"
    })
    void resolves(String given, String url) {
        assertThat(AdminCli.nodeUrl(given)).isEqualTo(url);
    }

    @ParameterizedTest
    @ValueSource(strings = {"6", "0", "localhost", "ftp://x:1", "host:port"})
    void refuses_with_an_explanation(String given) {
        assertThatThrownBy(() -> AdminCli.nodeUrl(given))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--node " + given + ": ");
    }
}
