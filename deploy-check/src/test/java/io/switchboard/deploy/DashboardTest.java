package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.node.metrics.NodeMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard asks only for series a node exports on /metrics. */
class DashboardTest {

    private static final Path DASHBOARD = Path.of(System.getProperty("switchboard.deploy.dir", "../deploy/k8s"))
            .resolve("grafana/switchboard-dashboard.json");

    /** Metric names in PromQL: our own, the JVM's and the process' (simpleclient_hotspot). */
    private static final Pattern METRIC = Pattern.compile("\\b((?:switchboard|jvm|process)_[a-zA-Z0-9_]+)");

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws IOException {
        Set<String> exported = exported(new NodeMetrics().scrape());
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> queried = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            for (JsonNode target : panel.path("targets")) {
                Matcher m = METRIC.matcher(target.path("expr").asText());
                while (m.find()) {
                    queried.add(m.group(1));
                }
            }
        }
        assertThat(queried)
                .isNotEmpty()
                .allSatisfy(name -> assertThat(exported).as("metric %s", name).contains(name));
        assertThat(queried)
                .contains(
                        "switchboard_active_bindings",
                        "switchboard_register_requests_total",
                        "switchboard_register_latency_seconds_bucket",
                        "switchboard_proxy_requests_total");
    }

    /**
     * Every series name the scrape shows: sample lines, and the names in TYPE lines with the
     * suffixes Prometheus adds (a labelled counter without samples yet shows only its TYPE line).
     */
    private static Set<String> exported(String scrape) {
        Set<String> names = new HashSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                String name = parts[2];
                names.add(name);
                switch (parts[3]) {
                    case "counter" -> names.add(name.endsWith("_total") ? name : name + "_total");
                    case "histogram" -> names.addAll(List.of(name + "_bucket", name + "_sum", name + "_count"));
                    case "summary" -> names.addAll(List.of(name + "_sum", name + "_count"));
                    default -> {}
                }
            } else if (!line.startsWith("#") && !line.isBlank()) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }
}
