package io.switchboard.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Renders a kustomization with {@code kubectl kustomize}: the kustomize that Kubernetes users have
 * (kubectl's bundled one; Debian's kubernetes-client bundles kustomize v2.0.3, newer kubectl v5,
 * and deploy/k8s renders with both). Without kubectl the checks are skipped on a developer
 * machine and fail under CI (environment variable {@code CI} set), whose .ci/run installs it.
 */
final class Kustomize {

    private Kustomize() {}

    static String render(Path dir) {
        requireKubectl();
        try {
            Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            // stderr is small (deprecation warnings); read it after stdout without a deadlock risk
            // for our few kilobytes
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kubectl kustomize " + dir + " did not finish in 60 s");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("kubectl kustomize " + dir + " failed (" + p.exitValue() + "): " + err);
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("cannot run kubectl: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void requireKubectl() {
        boolean present = false;
        try {
            Process p = new ProcessBuilder("kubectl", "version", "--client")
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            present = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            present = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!present) {
            String message = "kubectl is not on the PATH (apt-get install kubernetes-client)";
            if (System.getenv("CI") != null) {
                fail(message + ". CI must run this test (.ci/run installs it).");
            }
            Assumptions.abort(message);
        }
    }
}
