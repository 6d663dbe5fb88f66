package io.switchboard.proxy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.proxy.domain.ResponseSelection.Candidate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 3261 section 16.7 step 6, as a table: branch finals -> what goes upstream. */
class ResponseSelectionTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        // finals (n = no endpoint answered: timeout, transport error, dead flow), expected upstream status
        "'486',               486",
        "'486 404',           404", // lowest code within the class
        "'603 486 404',       603", // a 6xx wins outright
        "'486 600',           600",
        "'302 486',           302", // lowest class
        "'500 486',           486",
        "'503',               500", // a 503 becomes 500 (a proxy must not pass on 503)
        "'486 407',           407", // a challenge is preferred in 4xx: the caller can act on it
        "'401 404',           401",
        "'408n 486',          486", // a real answer beats a branch nobody answered
        "'503n 408n',         480", // nobody reachable
        "'430n',              480",
        "'408 503n',          408", // a 408 from an endpoint is an answer
    })
    void best_response(String finals, int expected) {
        List<Candidate> candidates = new ArrayList<>();
        for (String f : finals.trim().split("\\s+")) {
            boolean none = f.endsWith("n");
            candidates.add(new Candidate(Integer.parseInt(none ? f.substring(0, f.length() - 1) : f), !none));
        }
        int best = ResponseSelection.best(candidates);
        assertThat(ResponseSelection.upstreamStatus(candidates.get(best))).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void nothing_to_choose_from() {
        assertThat(ResponseSelection.best(List.of())).isEqualTo(-1);
    }
}
