package io.switchboard.node.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.TestNodes;
import io.switchboard.proxy.domain.Target;
import io.switchboard.registrar.sip.Gruus;
import io.switchboard.sip.routing.GruuTargets;
import io.switchboard.sip.routing.NextHop;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.sip.SipFactory;
import org.junit.jupiter.api.Test;

/** Which NOTIFY targets are GRUUs of ours, and what they resolve to (RFC 5627 section 5.4). */
class PoolGruuTargetsTest {

    private static final String INSTANCE = "urn:uuid:0b6f3d52-58a4-4c11-8f1e-2d9c7a1b4e60";
    private static final Target BINDING =
            new Target("sip:dave@192.0.2.7:5062", List.of(), new NextHop("192.0.2.7", 5062, "udp"), "", "b", false);

    private final Gruus gruus = new Gruus(TestNodes.SECRET_BYTES);
    /** The lookups made, as "aor instance". */
    private final List<String> looked = new ArrayList<>();

    private GruuTargets targets(Optional<Target> answer) throws Exception {
        return new PoolGruuTargets(
                SipFactory.getInstance().createAddressFactory(),
                List.of("example.test", "other.test"),
                gruus,
                (aor, instance) -> {
                    looked.add(aor + " " + instance);
                    return CompletableFuture.completedFuture(answer);
                });
    }

    private GruuTargets.Resolution resolve(String uri, Optional<Target> answer) throws Exception {
        return targets(answer).resolve(uri).toCompletableFuture().get();
    }

    @Test
    void contacts_that_are_no_gruu_of_ours_are_sent_to_as_they_are() throws Exception {
        for (String uri : List.of(
                "sip:dave@192.0.2.7:5062",
                "sip:dave@example.test",
                "sip:dave@elsewhere.test;gr=" + INSTANCE,
                "sip:example.test;gr=" + INSTANCE,
                "tel:+15551234",
                "not a uri")) {
            assertThat(resolve(uri, Optional.of(BINDING))).as(uri).isEqualTo(new GruuTargets.NotOurs());
        }
        assertThat(looked).isEmpty();
    }

    @Test
    void a_public_gruu_resolves_to_its_instances_binding() throws Exception {
        assertThat(resolve("sip:dave@Example.Test;gr=" + INSTANCE, Optional.of(BINDING)))
                .isEqualTo(new GruuTargets.Resolved("sip:dave@192.0.2.7:5062", List.of(), BINDING.hop()));
        assertThat(looked).containsExactly("sip:dave@example.test " + INSTANCE);
    }

    @Test
    void a_temporary_gruu_names_its_user_and_instance_itself() throws Exception {
        String temp = gruus.tempGruu("sip:dave@example.test", "<" + INSTANCE + ">", "call-1");
        assertThat(resolve(temp, Optional.of(BINDING))).isInstanceOf(GruuTargets.Resolved.class);
        assertThat(looked).containsExactly("sip:dave@example.test " + INSTANCE);
    }

    @Test
    void a_gruu_that_leads_nowhere_gets_the_home_proxys_answer() throws Exception {
        assertThat(resolve("sip:dave@example.test;gr=" + INSTANCE, Optional.empty()))
                .as("no binding of the instance now")
                .isEqualTo(new GruuTargets.Unreachable(480));
        assertThat(resolve("sip:tgruu.forged@example.test;gr", Optional.of(BINDING)))
                .as("a temporary GRUU we never made")
                .isEqualTo(new GruuTargets.Unreachable(404));
        assertThat(looked).containsExactly("sip:dave@example.test " + INSTANCE);
    }
}
