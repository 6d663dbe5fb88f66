package io.switchboard.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The files a forked node reads at start, all under {@code dataDir}: {@code conf/cassandra.yaml},
 * {@code conf/cassandra-rackdc.properties}, {@code conf/logback.xml}, plus the folders they name. They
 * are rewritten at every start (ports may change); the data folders are only created.
 */
final class NodeConfigFiles {

    final Path conf;
    final Path yaml;
    final Path rackdc;
    final Path logback;
    final Path logs;
    final Path triggers;

    private NodeConfigFiles(Path dataDir) {
        conf = dataDir.resolve("conf");
        yaml = conf.resolve("cassandra.yaml");
        rackdc = conf.resolve("cassandra-rackdc.properties");
        logback = conf.resolve("logback.xml");
        logs = dataDir.resolve("logs");
        triggers = dataDir.resolve("triggers");
    }

    static NodeConfigFiles write(
            Path dataDir,
            String listenAddress,
            List<String> seeds,
            NodePorts ports,
            String dc,
            String rack,
            String initialToken) {
        NodeConfigFiles files = new NodeConfigFiles(dataDir);
        try {
            for (String folder :
                    List.of("conf", "data", "commitlog", "hints", "saved_caches", "cdc_raw", "logs", "triggers")) {
                Files.createDirectories(dataDir.resolve(folder));
            }
            Files.writeString(
                    files.yaml, yaml(dataDir, listenAddress, seeds, ports, initialToken), StandardCharsets.UTF_8);
            Files.writeString(files.rackdc, "dc=" + dc + "\nrack=" + rack + "\n", StandardCharsets.UTF_8);
            Files.writeString(files.logback, logback(files.logs), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Cassandra configuration under " + dataDir, e);
        }
        return files;
    }

    /**
     * A small node: one token, loopback-style addresses, modest memory (memtables, caches), no snapshots.
     * Names are the Cassandra 5.0 ones (with units). Anything not set here keeps Cassandra's default.
     */
    static String yaml(Path dataDir, String listenAddress, List<String> seeds, NodePorts ports, String initialToken) {
        return """
        # Written by Switchboard's EmbeddedCassandra at every start: edits are lost.
        cluster_name: 'switchboard'
        # One token per node: a small test or branch ring needs no vnodes, and the node starts faster.
        num_tokens: 1
        partitioner: org.apache.cassandra.dht.Murmur3Partitioner
        # A fresh 5.0 cluster: no 4.x node will ever join, so use the 5.0 storage format and limits.
        storage_compatibility_mode: NONE

        listen_address: %1$s
        rpc_address: %1$s
        storage_port: %2$d
        native_transport_port: %3$d
        start_native_transport: true
        seed_provider:
          - class_name: org.apache.cassandra.locator.SimpleSeedProvider
            parameters:
              - seeds: '%4$s'
        endpoint_snitch: GossipingPropertyFileSnitch

        # Access control is the pool's business (network placement, SIP digest auth), not the store's.
        authenticator: AllowAllAuthenticator
        authorizer: AllowAllAuthorizer
        network_authorizer: AllowAllNetworkAuthorizer

        data_file_directories:
          - %5$s
        commitlog_directory: %6$s
        hints_directory: %7$s
        saved_caches_directory: %8$s
        cdc_raw_directory: %9$s

        # Acknowledged writes are in the commit log (in the page cache at once, on disk within 10 s):
        # they survive a crash of the node process, as Cassandra's default does.
        commitlog_sync: periodic
        commitlog_sync_period: 10000ms
        commitlog_segment_size: 16MiB

        memtable_heap_space: 64MiB
        memtable_offheap_space: 64MiB
        key_cache_size: 8MiB
        row_cache_size: 0MiB
        counter_cache_size: 2MiB
        file_cache_size: 32MiB
        networking_cache_size: 16MiB
        index_summary_capacity: 8MiB
        concurrent_compactors: 1
        compaction_throughput: 64MiB/s

        auto_snapshot: false
        snapshot_before_compaction: false

        # Client-visible timeouts stay below the driver's 5 s request timeout, so the server answers first.
        read_request_timeout: 4000ms
        range_request_timeout: 4000ms
        write_request_timeout: 2000ms
        counter_write_request_timeout: 4000ms
        cas_contention_timeout: 1000ms
        truncate_request_timeout: 60000ms
        request_timeout: 4000ms
        """.formatted(
                                listenAddress,
                                ports.storagePort(),
                                ports.nativePort(),
                                String.join(",", seeds),
                                quoted(dataDir.resolve("data")),
                                quoted(dataDir.resolve("commitlog")),
                                quoted(dataDir.resolve("hints")),
                                quoted(dataDir.resolve("saved_caches")),
                                quoted(dataDir.resolve("cdc_raw")))
                + founding(initialToken);
    }

    /** A founding ring member (see {@code Options.withInitialToken}): its own token, no bootstrap streaming. */
    private static String founding(String initialToken) {
        if (initialToken == null) {
            return "";
        }
        return """
        # A founding member of a new ring: it owns this token from the start and has nothing to stream.
        initial_token: '%s'
        auto_bootstrap: false
        """.formatted(initialToken);
    }

    /**
     * Everything at INFO goes to a rolling file for operators. The parent reads stdout: it gets warnings and
     * errors, plus the INFO lines of the node's life cycle (start, CQL transport, commit log replay, stop),
     * which include the "listening for CQL clients" line it waits for. Flushes and compactions stay in the
     * file, so the lines quoted when a start fails are the telling ones.
     */
    static String logback(Path logs) {
        String dir = xml(logs.toString());
        return """
        <configuration scan="false">
          <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
            <file>%1$s/system.log</file>
            <rollingPolicy class="ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy">
              <fileNamePattern>%1$s/system.log.%%d{yyyy-MM-dd}.%%i.gz</fileNamePattern>
              <maxFileSize>20MB</maxFileSize>
              <maxHistory>7</maxHistory>
              <totalSizeCap>200MB</totalSizeCap>
            </rollingPolicy>
            <encoder><pattern>%%-5level [%%thread] %%date{ISO8601} %%logger{0}:%%line - %%msg%%n</pattern></encoder>
          </appender>
          <appender name="STDOUT_WARN" class="ch.qos.logback.core.ConsoleAppender">
            <filter class="ch.qos.logback.classic.filter.ThresholdFilter"><level>WARN</level></filter>
            <encoder><pattern>%%-5level %%date{HH:mm:ss.SSS} %%logger{0} - %%msg%%n</pattern></encoder>
          </appender>
          <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%%-5level %%date{HH:mm:ss.SSS} %%logger{0} - %%msg%%n</pattern></encoder>
          </appender>
        %2$s
          <root level="INFO">
            <appender-ref ref="FILE"/>
            <appender-ref ref="STDOUT_WARN"/>
          </root>
        </configuration>
        """.formatted(dir, lifecycleLoggers());
    }

    /** Loggers whose INFO lines also go to stdout. */
    private static String lifecycleLoggers() {
        StringBuilder loggers = new StringBuilder();
        for (String name : List.of(
                "org.apache.cassandra.service.CassandraDaemon",
                "org.apache.cassandra.service.StorageService",
                "org.apache.cassandra.db.commitlog.CommitLog",
                "org.apache.cassandra.transport")) {
            loggers.append("  <logger name=\"")
                    .append(name)
                    .append("\" additivity=\"false\">")
                    .append("<appender-ref ref=\"FILE\"/><appender-ref ref=\"STDOUT\"/></logger>\n");
        }
        return loggers.toString();
    }

    private static String quoted(Path path) {
        return "'" + path.toAbsolutePath().toString().replace("'", "''") + "'";
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
