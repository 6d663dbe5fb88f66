package io.switchboard.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.switchboard.node.config.NodeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node configuration pod 0 of the pool's StatefulSet would start with, read by the node's own
 * {@link NodeConfig#load}: the container's {@code --config} file from its mounted ConfigMap, the
 * Secret volumes it mounts, and its environment (downward API, Secrets, $(VAR) expansion) given to
 * HOCON's {@code ${?VAR}} substitutions. Mount paths are mapped into a temporary directory.
 */
final class PodConfig {

    static final String POD_IP = "10.20.30.40";

    private PodConfig() {}

    /**
     * @param secrets the Secrets the pod may reference: the rendered ones, or the operator's
     *                (deploy/k8s/secret.template.yaml) where the overlay expects them to exist
     */
    static NodeConfig load(StatefulSet pool, Rendered rendered, List<Secret> secrets, Path tmp) throws IOException {
        return load(pool, Rendered.container(pool, "pool-node"), rendered, secrets, tmp);
    }

    /** The config container {@code c} of the pool's pods (e.g. an init container) loads. */
    static NodeConfig load(StatefulSet pool, Container c, Rendered rendered, List<Secret> secrets, Path tmp)
            throws IOException {
        PodSpec pod = pool.getSpec().getTemplate().getSpec();
        Map<String, String> env = environment(pool, c, secrets);
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (VolumeMount m : c.getVolumeMounts()) {
            Volume v = pod.getVolumes().stream()
                    .filter(x -> x.getName().equals(m.getName()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("volumeMount " + m.getName() + " has no volume"));
            Path dir = Files.createDirectories(tmp.resolve(m.getName()));
            mounts.put(m.getMountPath(), dir);
            Map<String, String> files = Map.of();
            if (v.getConfigMap() != null) {
                files = Rendered.data(
                        rendered.get(ConfigMap.class, v.getConfigMap().getName()));
            } else if (v.getSecret() != null) {
                files = Rendered.decoded(secret(secrets, v.getSecret().getSecretName()));
            }
            for (Map.Entry<String, String> f : files.entrySet()) {
                Files.writeString(dir.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
            }
        }
        List<String> args = c.getArgs();
        int at = args.indexOf("--config");
        if (at < 0 || at + 1 >= args.size()) {
            throw new AssertionError("the " + c.getName() + " container's args name no --config file: " + args);
        }
        Path config = local(args.get(at + 1), mounts);
        // Rewrite absolute paths of mounted files (the TLS key store) into the temporary directory.
        // One pass, the deepest mount first (/etc/switchboard/tls inside /etc/switchboard).
        Pattern mounted = Pattern.compile("\"("
                + deepestFirst(mounts).stream()
                        .map(Pattern::quote)
                        .reduce((a, b) -> a + "|" + b)
                        .orElseThrow() + ")/");
        for (Path file : Files.list(config.getParent()).toList()) {
            Matcher m = mounted.matcher(Files.readString(file));
            StringBuilder text = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(text, Matcher.quoteReplacement("\"" + mounts.get(m.group(1)) + "/"));
            }
            Files.writeString(file, m.appendTail(text).toString());
        }
        // HOCON resolves ${?VAR} against the config's root before the process environment, so the
        // pod's environment goes in as root keys (the node reads only switchboard.*).
        StringBuilder prelude = new StringBuilder();
        env.forEach((k, v) -> prelude.append(k).append(" = ").append(quote(v)).append('\n'));
        Files.writeString(config, prelude + Files.readString(config));
        return NodeConfig.load(config);
    }

    static Map<String, String> environment(StatefulSet pool, Container c, List<Secret> secrets) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : c.getEnv()) {
            String value;
            if (e.getValue() != null) {
                value = expand(e.getValue(), env);
            } else if (e.getValueFrom().getFieldRef() != null) {
                String field = e.getValueFrom().getFieldRef().getFieldPath();
                value = switch (field) {
                    case "metadata.name" -> pool.getMetadata().getName() + "-0";
                    case "status.podIP" -> POD_IP;
                    default -> throw new AssertionError("unexpected fieldRef " + field);
                };
            } else if (e.getValueFrom().getSecretKeyRef() != null) {
                var ref = e.getValueFrom().getSecretKeyRef();
                String v = Rendered.decoded(secret(secrets, ref.getName())).get(ref.getKey());
                if (v == null && !Boolean.TRUE.equals(ref.getOptional())) {
                    throw new AssertionError(
                            "env " + e.getName() + ": Secret " + ref.getName() + " has no key " + ref.getKey());
                }
                value = v;
            } else {
                throw new AssertionError("env " + e.getName() + ": unexpected source " + e.getValueFrom());
            }
            if (value != null) {
                env.put(e.getName(), value);
            }
        }
        return env;
    }

    /** Kubernetes' $(VAR) expansion from earlier variables of the same container. */
    private static String expand(String value, Map<String, String> earlier) {
        Matcher m = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = earlier.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(v == null ? m.group() : v));
        }
        return m.appendTail(out).toString();
    }

    private static Secret secret(List<Secret> secrets, String name) {
        return secrets.stream()
                .filter(s -> s.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Secret named " + name));
    }

    private static List<String> deepestFirst(Map<String, Path> mounts) {
        return mounts.keySet().stream()
                .sorted(java.util.Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    private static Path local(String path, Map<String, Path> mounts) {
        for (String mount : deepestFirst(mounts)) {
            if (path.startsWith(mount + "/")) {
                return mounts.get(mount).resolve(path.substring(mount.length() + 1));
            }
        }
        throw new AssertionError(path + " is in no mounted volume " + mounts.keySet());
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
