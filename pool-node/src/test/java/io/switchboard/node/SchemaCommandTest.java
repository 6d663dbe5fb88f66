package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.storage.testing.TestCassandra;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/switchboard schema apply} against the test Cassandra. */
class SchemaCommandTest {

    private static final String KEYSPACE = "schema_command_test";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void appliesTheSchemaOnceThenFindsItCurrent() throws Exception {
        CqlSession session = TestCassandra.session(KEYSPACE); // fresh, empty
        Path config = dir.resolve("switchboard.conf");
        Files.writeString(config, TestNodes.config("schema-job", KEYSPACE, TestNodes.freePort(), ""));

        assertThat(run("apply", "--config", config.toString())).as(err()).isZero();
        assertThat(out()).contains("Applied schema version " + PoolSchema.VERSION, "keyspace " + KEYSPACE);
        assertThat(session.execute("SELECT version, digest FROM schema_version WHERE name = 'switchboard'")
                        .one()
                        .getInt("version"))
                .isEqualTo(PoolSchema.VERSION);
        assertThat(session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", KEYSPACE)
                        .all())
                .hasSizeGreaterThan(9);

        out.reset();
        assertThat(run("apply", "--config", config.toString())).as(err()).isZero();
        assertThat(out()).contains("Schema version " + PoolSchema.VERSION + " was applied already");
    }

    @Test
    void anEmbeddedStoreOrBadUsageIsRefused() throws Exception {
        Path config = dir.resolve("embedded.conf");
        Files.writeString(
                config,
                TestNodes.config(
                        "schema-job", KEYSPACE, TestNodes.freePort(), "switchboard.storage.mode = embedded\n"));

        assertThat(run("apply", "--config", config.toString())).isEqualTo(2);
        assertThat(err()).contains("switchboard.storage.mode", "external");
        assertThat(run("status")).isEqualTo(2);
        assertThat(run("apply", "--frobnicate")).isEqualTo(2);
        assertThat(err()).contains("usage: schema apply");
    }

    private int run(String... args) {
        return SchemaCommand.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
