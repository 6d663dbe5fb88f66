package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.switchboard.node.admin.AdminServer;
import io.switchboard.node.config.ClusterDiscovery;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.config.SplitBrainResolver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * deploy/k8s as an operator applies it: every kustomization rendered by {@code kubectl kustomize},
 * every object valid against the Kubernetes schema ({@link StrictKubernetes}), and consistent with
 * the node it runs: the config the pod would start with loads ({@link PodConfig}), probes and
 * Prometheus annotations name paths the health listener serves on the port the config gives it,
 * container ports match the config, Services and the PodDisruptionBudget select the pool's pods,
 * every container has requests and limits and a pinned image, the schema init container loads
 * the node's storage settings.
 */
class ManifestsTest {

    private static final Path DEPLOY = Path.of(System.getProperty("switchboard.deploy.dir", "../deploy/k8s"));

    /**
     * Seconds the preStop hook's JVM (bin/switchboard node drain) takes to start and reach the node, and
     * the node takes after SIGTERM to close SIP, admin and storage once drained (SwitchboardNode).
     */
    private static final int PRE_STOP_START_SECONDS = 10;

    private static final int CLOSE_SECONDS = 10;

    private static Rendered render(String dir) {
        return new Rendered(dir, StrictKubernetes.parse(Kustomize.render(DEPLOY.resolve(dir))));
    }

    private static List<Secret> templateSecrets() throws IOException {
        return StrictKubernetes.parse(Files.readString(DEPLOY.resolve("secret.template.yaml"))).stream()
                .map(Secret.class::cast)
                .toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/production", "cassandra/dev", "lease"})
    void everyKustomizationRendersIntoValidObjects(String dir) {
        Rendered r = render(dir);
        assertThat(r.objects()).isNotEmpty();
        for (HasMetadata o : r.objects()) {
            assertThat(o.getMetadata().getName()).as("%s name", o.getKind()).isNotBlank();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/production", "cassandra/dev"})
    void everyContainerHasRequestsLimitsAndAPinnedImage(String dir) {
        for (StatefulSet s : render(dir).all(StatefulSet.class)) {
            PodSpec podSpec = s.getSpec().getTemplate().getSpec();
            List<Container> all = new ArrayList<>(podSpec.getContainers());
            all.addAll(podSpec.getInitContainers());
            for (Container c : all) {
                String what = s.getMetadata().getName() + "/" + c.getName();
                var res = c.getResources();
                assertThat(res.getRequests()).as(what + " requests").containsKeys("cpu", "memory");
                assertThat(res.getLimits()).as(what + " limits").containsKeys("cpu", "memory");
                assertThat(bytes(res.getLimits().get("memory")))
                        .as(what + " memory limit >= request")
                        .isGreaterThanOrEqualTo(bytes(res.getRequests().get("memory")));
                String image = c.getImage();
                int slash = image.lastIndexOf('/');
                int colon = image.lastIndexOf(':');
                assertThat(colon > slash || image.contains("@sha256:"))
                        .as(what + " image " + image + " has a tag or digest")
                        .isTrue();
                assertThat(image).as(what + " image").doesNotEndWith(":latest");
            }
        }
    }

    @Test
    void theSecretTemplateIsValid() throws IOException {
        assertThat(templateSecrets())
                .extracting(s -> s.getMetadata().getName())
                .containsExactly("switchboard-secrets", "switchboard-sip-tls");
    }

    @Test
    void devRunsThreeSmallNodesOnThePodNetworkWithItsOwnCassandra(@TempDir Path tmp) throws IOException {
        Rendered dev = render("overlays/dev");
        StatefulSet pool = dev.pool();
        assertThat(pool.getSpec().getReplicas()).isEqualTo(3);
        assertThat(pool.getSpec().getTemplate().getSpec().getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(cpuMillis(Rendered.container(pool, "pool-node")
                        .getResources()
                        .getRequests()
                        .get("cpu")))
                .isLessThanOrEqualTo(500);
        NodeConfig config = checkPool(dev, dev.all(Secret.class), tmp);
        // the contact point is the dev Cassandra's Service, whose data centre is the configured local DC
        InetSocketAddress contact = config.storage().contactPoints().get(0);
        Service cassandra = dev.get(Service.class, contact.getHostString());
        assertThat(cassandra.getSpec().getPorts()).anyMatch(p -> p.getPort() == contact.getPort());
        StatefulSet cassandraSet = dev.get(StatefulSet.class, "cassandra");
        assertThat(Rendered.container(cassandraSet, "cassandra").getEnv())
                .anyMatch(e -> e.getName().equals("CASSANDRA_DC")
                        && e.getValue().equals(config.storage().localDc()));
        assertThat(cassandraSet.getSpec().getReplicas()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void productionRunsFiveNodesOnTheirHostsAcrossZonesWithTls(@TempDir Path tmp) throws IOException {
        Rendered prod = render("overlays/production");
        StatefulSet pool = prod.pool();
        PodSpec pod = pool.getSpec().getTemplate().getSpec();
        assertThat(pool.getSpec().getReplicas()).isGreaterThanOrEqualTo(5);
        assertThat(pod.getHostNetwork()).isTrue();
        // without it a hostNetwork pod resolves with the host's DNS and cannot find the seeds
        assertThat(pod.getDnsPolicy()).isEqualTo("ClusterFirstWithHostNet");
        assertThat(pod.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
                .as("hostNetwork: one pool node per Kubernetes node, or their ports collide")
                .anyMatch(t -> t.getTopologyKey().equals("kubernetes.io/hostname")
                        && selects(t.getLabelSelector().getMatchLabels(), pool));
        assertThat(pod.getTopologySpreadConstraints())
                .anyMatch(t -> t.getTopologyKey().equals("topology.kubernetes.io/zone")
                        && t.getMaxSkew() == 1
                        && selects(t.getLabelSelector().getMatchLabels(), pool));
        List<Secret> secrets = new ArrayList<>(prod.all(Secret.class));
        secrets.addAll(templateSecrets());
        NodeConfig config = checkPool(prod, secrets, tmp);
        assertThat(config.sip().tls()).as("SIP over TLS").isPresent();
        assertThat(ClusterDiscovery.of(config).kubernetes())
                .as("cluster bootstrap")
                .isTrue();
        assertThat(config.raw().getString("switchboard.cluster.split-brain-resolver"))
                .as("partitions decided by the Kubernetes lease (checked in checkPool)")
                .isEqualTo(SplitBrainResolver.LEASE_MAJORITY);
        assertThat(config.admin().bindAddress())
                .as("hostNetwork: the admin port not on every interface of the host")
                .isEqualTo(PodConfig.POD_IP);
        Service lb = prod.get(Service.class, "switchboard-sip-public");
        assertThat(lb.getSpec().getType()).isEqualTo("LoadBalancer");
        assertThat(lb.getSpec().getExternalTrafficPolicy())
                .as("keeps the client's address (rport) and sends only to nodes with a pool pod")
                .isEqualTo("Local");
        // the contact point is the Service K8ssandra creates for the example cluster's data centre
        JsonNode k8ssandra = StrictKubernetes.documents(
                        Files.readString(DEPLOY.resolve("cassandra/k8ssandra/k8ssandra-cluster.yaml")))
                .get(0);
        assertThat(k8ssandra.path("kind").asText()).isEqualTo("K8ssandraCluster");
        JsonNode dc =
                k8ssandra.path("spec").path("cassandra").path("datacenters").get(0);
        assertThat(dc.path("metadata").path("name").asText())
                .isEqualTo(config.storage().localDc());
        assertThat(dc.path("size").asInt()).isGreaterThanOrEqualTo(3);
        assertThat(config.storage().contactPoints().get(0).getHostString())
                .isEqualTo(k8ssandra.path("metadata").path("name").asText() + "-"
                        + config.storage().localDc() + "-service");
    }

    /** What holds in every overlay; returns the config pod 0 starts with. */
    private NodeConfig checkPool(Rendered r, List<Secret> secrets, Path tmp) throws IOException {
        StatefulSet pool = r.pool();
        String setName = pool.getMetadata().getName();
        PodSpec pod = pool.getSpec().getTemplate().getSpec();
        Container c = Rendered.container(pool, "pool-node");
        assertThat(pool.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
        assertThat(pool.getSpec().getSelector().getMatchLabels())
                .isEqualTo(pool.getSpec().getTemplate().getMetadata().getLabels());

        NodeConfig config = PodConfig.load(pool, r, secrets, tmp);
        assertThat(config.nodeId()).isEqualTo(setName + "-0");
        assertThat(config.sip().bindAddress())
                .as("Via, Record-Route and Path carry the pod's own address")
                .isEqualTo(PodConfig.POD_IP);
        assertThat(config.admin().bindAddress()).as("probes reach the pod IP").isIn(PodConfig.POD_IP, "0.0.0.0");
        assertThat(config.storage().mode()).isEqualTo(NodeConfig.StorageMode.EXTERNAL);
        assertThat(config.storage().consistency()).isEqualTo(NodeConfig.Consistency.LOCAL_QUORUM);
        assertThat(config.storage().replication())
                .contains("'" + config.storage().localDc() + "': 3");

        // the cluster: each node advertises its stable DNS name; the seeds are pods of this set
        String headless = pool.getSpec().getServiceName();
        Service headlessService = r.get(Service.class, headless);
        assertThat(headlessService.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(headlessService.getSpec().getPublishNotReadyAddresses())
                .as("a node is ready only once it joined, so the seeds must resolve before")
                .isTrue();
        assertThat(config.cluster().host()).isEqualTo(setName + "-0." + headless);
        assertThat(config.cluster().seedNodes())
                .isNotEmpty()
                .allSatisfy(seed -> assertThat(seed)
                        .matches(setName + "-[0-9]+\\." + headless + ":"
                                + config.cluster().port()));
        for (String seed : config.cluster().seedNodes()) {
            int ordinal = Integer.parseInt(seed.substring(setName.length() + 1, seed.indexOf('.')));
            assertThat(ordinal)
                    .as(seed + " is a pod that exists")
                    .isLessThan(pool.getSpec().getReplicas());
        }

        // the schema is applied once per version by the init container (PoolSchema), running the
        // node's image against the very storage the node uses
        Container schema = pod.getInitContainers().stream()
                .filter(x -> x.getName().equals("schema"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no schema init container"));
        assertThat(schema.getImage()).isEqualTo(c.getImage());
        int configAt = c.getArgs().indexOf("--config");
        assertThat(schema.getArgs())
                .containsExactly("schema", "apply", "--config", c.getArgs().get(configAt + 1));
        NodeConfig schemaConfig =
                PodConfig.load(pool, schema, r, secrets, Files.createDirectories(tmp.resolve("init")));
        assertThat(schemaConfig.storage()).isEqualTo(config.storage());

        // cluster bootstrap through the Kubernetes API: the selector finds these pods, whose
        // "management" port is the configured one, and the pods may list pods (RBAC below)
        ClusterDiscovery discovery = ClusterDiscovery.of(config);
        if (discovery.kubernetes()) {
            Map<String, String> selector = new java.util.HashMap<>();
            for (String term : discovery.podLabelSelector().split(",")) {
                String[] kv = term.split("=", 2);
                selector.put(kv[0].trim(), kv[1].trim());
            }
            assertThat(r.selected(selector)).containsExactly(pool);
            assertThat(port(c, "management", "TCP")).isEqualTo(discovery.managementPort());
        } else {
            assertThat(c.getPorts()).noneMatch(p -> "management".equals(p.getName()));
        }

        // container ports are the ports the config listens on
        assertThat(port(c, "sip-udp", "UDP")).isEqualTo(config.sip().udpPort());
        assertThat(port(c, "sip-tcp", "TCP")).isEqualTo(config.sip().tcpPort());
        assertThat(port(c, "admin", "TCP")).isEqualTo(config.admin().port());
        assertThat(port(c, "health", "TCP")).isEqualTo(config.admin().healthPort());
        assertThat(port(c, "cluster", "TCP")).isEqualTo(config.cluster().port());
        if (config.sip().tls().isPresent()) {
            assertThat(port(c, "sip-tls", "TCP"))
                    .isEqualTo(config.sip().tls().get().port());
        } else {
            assertThat(c.getPorts()).noneMatch(p -> p.getName().equals("sip-tls"));
        }

        // probes: the health listener's own paths, on its port
        int health = config.admin().healthPort();
        assertThat(health).as("health and metrics on a listener of their own").isPositive();
        checkProbe(c, c.getReadinessProbe(), "/health/ready", health);
        checkProbe(c, c.getLivenessProbe(), "/health/alive", health);
        checkProbe(c, c.getStartupProbe(), "/health/alive", health);
        Map<String, String> annotations =
                pool.getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true");
        assertThat(annotations.get("prometheus.io/port")).isEqualTo(String.valueOf(health));
        assertThat(annotations.get("prometheus.io/path")).isEqualTo("/metrics").isIn(AdminServer.HEALTH_PATHS);

        // shutdown: preStop drains the node (POST /api/node/drain through the CLI, in the node's image and
        // with its config and token), which fits in the grace period with the CLI's start and the close
        List<String> preStop = c.getLifecycle().getPreStop().getExec().getCommand();
        assertThat(preStop).as("preStop runs the node's CLI: node drain").containsSubsequence("node", "drain");
        assertThat(preStop).containsSubsequence("io.switchboard.node.Main", "node", "drain", "--config");
        assertThat(preStop.get(preStop.indexOf("--config") + 1))
                .as("preStop reads the node's own config (admin address and token)")
                .isEqualTo(c.getArgs().get(c.getArgs().indexOf("--config") + 1));
        long drain = io.switchboard.node.config.DrainConfig.of(config).timeout().toSeconds();
        assertThat(pod.getTerminationGracePeriodSeconds())
                .as("terminationGracePeriodSeconds covers switchboard.drain.timeout (%d s) with margins", drain)
                .isGreaterThanOrEqualTo(PRE_STOP_START_SECONDS + drain + CLOSE_SECONDS);

        // every Service selects pods of a workload here, and its ports are ports of that workload
        for (Service s : r.services()) {
            List<StatefulSet> targets = r.selected(s.getSpec().getSelector());
            assertThat(targets)
                    .as("Service " + s.getMetadata().getName() + " selects pods")
                    .isNotEmpty();
            for (StatefulSet t : targets) {
                for (ServicePort sp : s.getSpec().getPorts()) {
                    assertThat(t.getSpec().getTemplate().getSpec().getContainers().stream()
                                    .map(x -> Rendered.port(x, sp.getTargetPort(), sp.getProtocol()))
                                    .anyMatch(java.util.Optional::isPresent))
                            .as(
                                    "Service %s port %s (%s) is a container port of %s",
                                    s.getMetadata().getName(),
                                    sp.getName(),
                                    sp.getProtocol(),
                                    t.getMetadata().getName())
                            .isTrue();
                }
            }
        }

        // one pod at a time
        PodDisruptionBudget pdb = r.all(PodDisruptionBudget.class).get(0);
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(r.selected(pdb.getSpec().getSelector().getMatchLabels())).containsExactly(pool);

        // RBAC: the pods' ServiceAccount may discover pods and hold leases
        String account = pod.getServiceAccountName();
        r.get(ServiceAccount.class, account);
        RoleBinding binding = r.all(RoleBinding.class).stream()
                .filter(b -> b.getSubjects().stream()
                        .anyMatch(s -> s.getKind().equals("ServiceAccount")
                                && s.getName().equals(account)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no RoleBinding for ServiceAccount " + account));
        Role role = r.get(Role.class, binding.getRoleRef().getName());
        assertThat(role.getRules()).anyMatch(rule -> grants(rule, "", "pods", "get", "list", "watch"));
        checkLease(r, config, pod, role, tmp);
        return config;
    }

    /**
     * With {@code split-brain-resolver = lease-majority}: the lease settings load with the node's own code in
     * a pod's environment, the overlay ships the Lease CustomResourceDefinition Pekko's lease writes to
     * ({@code leases.pekko.apache.org}, {@code v1}, namespaced), the pods' Role may read, create and update
     * that resource (what Pekko's lease does), and the service account token that authenticates it is mounted.
     */
    private static void checkLease(Rendered r, NodeConfig config, PodSpec pod, Role role, Path tmp) throws IOException {
        if (!config.raw()
                .getString("switchboard.cluster.split-brain-resolver")
                .equals(SplitBrainResolver.LEASE_MAJORITY)) {
            assertThat(SplitBrainResolver.of(config, Map.of()).leaseMajority()).isFalse();
            return;
        }
        // the service account's files, as the kubelet mounts them, and the API server's address, as set in pods
        Path account = Files.createDirectories(tmp.resolve("serviceaccount"));
        for (String file : List.of("ca.crt", "token", "namespace")) {
            Files.writeString(account.resolve(file), "switchboard");
        }
        // the pod's config (its root object's braces off, so that more settings may follow) with those paths
        String podConfig = config.raw().root().render(com.typesafe.config.ConfigRenderOptions.concise());
        NodeConfig inPod = NodeConfig.fromString(podConfig.substring(1, podConfig.length() - 1)
                + "\nswitchboard.cluster.lease-majority { api-ca-path = \"" + account.resolve("ca.crt")
                + "\", api-token-path = \"" + account.resolve("token") + "\", namespace-path = \""
                + account.resolve("namespace") + "\" }");
        assertThat(config.raw().getString("switchboard.cluster.lease-majority.api-token-path"))
                .as("the token the kubelet mounts")
                .isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount/token");
        SplitBrainResolver.Lease lease = SplitBrainResolver.of(
                        inPod, Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1", "KUBERNETES_SERVICE_PORT", "443"))
                .lease();
        assertThat(lease.name()).isNotBlank();

        CustomResourceDefinition crd = r.get(CustomResourceDefinition.class, "leases.pekko.apache.org");
        assertThat(crd.getSpec().getGroup()).isEqualTo("pekko.apache.org");
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo("Lease");
        assertThat(crd.getSpec().getNames().getPlural()).isEqualTo("leases");
        assertThat(crd.getSpec().getScope())
                .as("a Lease lives in the pool's namespace")
                .isEqualTo("Namespaced");
        assertThat(crd.getSpec().getVersions())
                .as("Pekko writes pekko.apache.org/v1")
                .anyMatch(v -> v.getName().equals("v1") && v.getServed() && v.getStorage());
        assertThat(role.getRules())
                .as("the pods may read, create and update the lease resource the CRD defines")
                .anyMatch(rule -> grants(
                        rule,
                        crd.getSpec().getGroup(),
                        crd.getSpec().getNames().getPlural(),
                        "get",
                        "create",
                        "update"));
        ServiceAccount sa = r.get(ServiceAccount.class, pod.getServiceAccountName());
        assertThat(pod.getAutomountServiceAccountToken())
                .as("the token authenticates the lease")
                .isNotEqualTo(Boolean.FALSE);
        assertThat(sa.getAutomountServiceAccountToken()).isNotEqualTo(Boolean.FALSE);
    }

    private static void checkProbe(Container c, Probe probe, String path, int port) {
        assertThat(probe).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path).isIn(AdminServer.HEALTH_PATHS);
        ContainerPort target = Rendered.port(c, probe.getHttpGet().getPort(), "TCP")
                .orElseThrow(() ->
                        new AssertionError("probe port " + probe.getHttpGet().getPort() + " is no port"));
        assertThat(target.getContainerPort()).isEqualTo(port);
    }

    private static int port(Container c, String name, String protocol) {
        return c.getPorts().stream()
                .filter(p -> p.getName().equals(name) && p.getProtocol().equals(protocol))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container port " + name + "/" + protocol))
                .getContainerPort();
    }

    private static boolean selects(Map<String, String> selector, StatefulSet s) {
        return s.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(selector.entrySet());
    }

    private static boolean grants(PolicyRule rule, String group, String resource, String... verbs) {
        return rule.getApiGroups().contains(group)
                && rule.getResources().contains(resource)
                && rule.getVerbs().containsAll(Stream.of(verbs).toList());
    }

    private static long bytes(Quantity q) {
        return Quantity.getAmountInBytes(q).longValueExact();
    }

    private static long cpuMillis(Quantity q) {
        return Quantity.getAmountInBytes(q).movePointRight(3).longValueExact();
    }
}
