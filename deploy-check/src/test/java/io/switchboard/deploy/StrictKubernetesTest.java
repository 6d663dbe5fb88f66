package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;

/** The validator itself: it must fail on what the API server would refuse or silently drop. */
class StrictKubernetesTest {

    private static final String STATEFUL_SET = """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: s
            spec:
              serviceName: s
              selector: {matchLabels: {a: b}}
              template:
                metadata: {labels: {a: b}}
                spec:
                  containers:
                    - name: c
                      image: i:1
                      %s
            """;

    @Test
    void aValidObjectIsReadIntoItsType() {
        var objects = StrictKubernetes.parse(STATEFUL_SET.formatted("readinessProbe: {httpGet: {path: /x, port: 1}}"));
        assertThat(objects).singleElement().isInstanceOf(StatefulSet.class);
        StatefulSet s = (StatefulSet) objects.get(0);
        assertThat(s.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getReadinessProbe()
                        .getHttpGet()
                        .getPath())
                .isEqualTo("/x");
    }

    @Test
    void anUnknownFieldFailsAndIsNamed() {
        assertThatThrownBy(() ->
                        StrictKubernetes.parse(STATEFUL_SET.formatted("readinessProb: {httpGet: {path: /x, port: 1}}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("StatefulSet s")
                .hasMessageContaining("readinessProb");
    }

    @Test
    void anUnknownFieldDeepInsideFails() {
        assertThatThrownBy(() -> StrictKubernetes.parse(
                        STATEFUL_SET.formatted("readinessProbe: {httpGet: {path: /x, port: 1, pth: /y}}")))
                .hasMessageContaining("pth");
    }

    @Test
    void aValueOfTheWrongTypeFails() {
        assertThatThrownBy(
                        () -> StrictKubernetes.parse(STATEFUL_SET.formatted("readinessProbe: {periodSeconds: [1, 2]}")))
                .hasMessageContaining("periodSeconds");
    }

    @Test
    void anUnexpectedKindFails() {
        assertThatThrownBy(() ->
                        StrictKubernetes.parse("apiVersion: apps/v1beta1\nkind: StatefulSet\nmetadata: {name: s}\n"))
                .hasMessageContaining("unexpected kind apps/v1beta1/StatefulSet");
    }
}
