package io.switchboard.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One rendered kustomization: its objects, validated, with lookups by kind and name. */
record Rendered(String name, List<HasMetadata> objects) {

    <T extends HasMetadata> List<T> all(Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    <T extends HasMetadata> Optional<T> find(Class<T> kind, String objectName) {
        return all(kind).stream()
                .filter(o -> o.getMetadata().getName().equals(objectName))
                .findFirst();
    }

    <T extends HasMetadata> T get(Class<T> kind, String objectName) {
        return find(kind, objectName)
                .orElseThrow(() -> new AssertionError(name + ": no " + kind.getSimpleName() + " named " + objectName));
    }

    /** The pool's StatefulSet: the one whose pods run the pool-node container. */
    StatefulSet pool() {
        return all(StatefulSet.class).stream()
                .filter(s -> s.getSpec().getTemplate().getSpec().getContainers().stream()
                        .anyMatch(c -> c.getName().equals("pool-node")))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + ": no StatefulSet runs a pool-node container"));
    }

    static Container container(StatefulSet s, String containerName) {
        return s.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(containerName))
                .findFirst()
                .orElseThrow();
    }

    /** The container port a Service's or probe's port refers to (by name or number), with its protocol. */
    static Optional<ContainerPort> port(Container c, IntOrString ref, String protocol) {
        return c.getPorts().stream()
                .filter(p -> (ref.getStrVal() != null
                                ? ref.getStrVal().equals(p.getName())
                                : ref.getIntVal().equals(p.getContainerPort()))
                        && protocol.equals(p.getProtocol() == null ? "TCP" : p.getProtocol()))
                .findFirst();
    }

    /** Pods of which workloads a Service (or PDB) with this selector selects. */
    List<StatefulSet> selected(Map<String, String> selector) {
        return all(StatefulSet.class).stream()
                .filter(s -> s.getSpec()
                        .getTemplate()
                        .getMetadata()
                        .getLabels()
                        .entrySet()
                        .containsAll(selector.entrySet()))
                .toList();
    }

    List<Service> services() {
        return all(Service.class);
    }

    static Map<String, String> decoded(Secret s) {
        Map<String, String> values = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData()
                    .forEach((k, v) ->
                            values.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
            values.putAll(s.getStringData());
        }
        return values;
    }

    static Map<String, String> data(ConfigMap m) {
        return m.getData() == null ? Map.of() : m.getData();
    }
}
