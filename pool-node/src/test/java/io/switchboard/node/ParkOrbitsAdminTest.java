package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.node.cli.AdminCli;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Call park orbit ranges through the CLI and the admin HTTP API of a real node: the rules answered
 * 400 or 409 naming the rule, conflicts with users' numbers, and the pool's park settings as each
 * range uses them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParkOrbitsAdminTest {

    static final String KEYSPACE = "park_orbits_admin";

    SwitchboardNode node;
    String nodeUrl;
    CqlSession session;

    @BeforeAll
    void startNode() {
        node = TestNodes.start(KEYSPACE, """
                switchboard.park.pickup-timeout = 60s
                switchboard.bootstrap-users += { uri = "sip:carol@other.test", password = "carol-secret", phone = "+905" }
                switchboard.bootstrap-users += { uri = "sip:951@other.test", password = "desk-secret" }
                """);
        nodeUrl = "http://127.0.0.1:" + node.adminPort();
        session = CassandraSessions.connect(TestCassandra.settings(KEYSPACE));
    }

    @AfterAll
    void stopNode() {
        if (session != null) {
            session.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @BeforeEach
    void noRanges() {
        session.execute("TRUNCATE park_orbit_ranges");
    }

    record Run(int exit, String out, String err) {}

    Run cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--node", nodeUrl, "--token", TestNodes.TOKEN));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = AdminCli.run(all.toArray(String[]::new), o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    HttpResponse<String> api(String method, String path, String body) throws Exception {
        return AdminHttp.send(
                node.adminPort(), method, path, TestNodes.TOKEN, body == null ? null : "application/json", body);
    }

    HttpResponse<String> add(String body) throws Exception {
        return api("POST", "/api/park/orbits", body);
    }

    @Test
    void add_list_and_remove_through_the_cli() {
        Run added = cli("park", "orbit", "add", "lobby", "--range", "#900-#950");
        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(added.out()).isEqualTo("added orbit range lobby #900-#950 (51 orbits)\n");
        Run own = cli(
                "park",
                "orbit",
                "add",
                "front-desk",
                "--range",
                "*10-*19",
                "--pickup-timeout",
                "45",
                "--max-pickup-attempts",
                "2",
                "--on-timeout-uri",
                "sip:operator@example.test");
        assertThat(own.exit()).as(own.err()).isZero();

        Run list = cli("park", "orbit", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.out().lines())
                .hasSize(3)
                .anySatisfy(l ->
                        assertThat(l).startsWith("lobby ").contains("#900-#950", " 51 ", " 60s ", "(end the call)"))
                .anySatisfy(l -> assertThat(l)
                        .startsWith("front-desk ")
                        .contains("*10-*19", " 10 ", " 45s ", " 2 ", "sip:operator@example.test"));

        Run removed = cli("park", "orbit", "remove", "lobby");
        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(removed.out()).isEqualTo("removed orbit range lobby\n");
        Run again = cli("park", "orbit", "remove", "lobby");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("error 404: no orbit range named lobby\n");
        assertThat(cli("park", "orbit", "list").out()).doesNotContain("lobby").contains("front-desk");
    }

    @Test
    void the_cli_names_what_is_missing() {
        Run noRange = cli("park", "orbit", "add", "lobby");
        assertThat(noRange.exit()).isEqualTo(2);
        assertThat(noRange.err()).startsWith("park orbit add needs --range START-END");
        Run broken = cli("park", "orbit", "add", "lobby", "--range", "#950-#900");
        assertThat(broken.exit()).isEqualTo(1);
        assertThat(broken.err())
                .startsWith("error 400: start #950 is greater than end #900")
                .contains("start-not-after-end");
    }

    @Test
    void a_range_breaking_a_rule_is_400_naming_the_rule_and_nothing_is_stored() throws Exception {
        for (String[] row : new String[][] {
            {"#900-#9500", "same-length"},
            {"#900-*950", "same-prefix"},
            {"00000-10000", "max-size"},
            {"1234567890-1234567891", "syntax"},
        }) {
            HttpResponse<String> r = add("{\"name\":\"bad\",\"range\":\"" + row[0] + "\"}");
            assertThat(r.statusCode()).as(row[0]).isEqualTo(400);
            assertThat(r.body()).contains("(rule " + row[1] + ")");
        }
        HttpResponse<String> setting = add("{\"name\":\"bad\",\"range\":\"1-5\",\"pickupTimeout\":5}");
        assertThat(setting.statusCode()).isEqualTo(400);
        assertThat(setting.body()).contains("pickupTimeout must be between 10s and 600s");
        HttpResponse<String> unknown = add("{\"name\":\"bad\",\"range\":\"1-5\",\"colour\":\"red\"}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("unknown field \\\"colour\\\"");
        assertThat(api("GET", "/api/park/orbits", null).body()).isEqualTo("{\"ranges\":[]}");
    }

    @Test
    void a_conflict_is_409_naming_the_other_range_or_the_user() throws Exception {
        assertThat(add("{\"name\":\"lobby\",\"range\":\"#900-#950\"}").statusCode())
                .isEqualTo(201);

        HttpResponse<String> overlap = add("{\"name\":\"hall\",\"range\":\"#940-#960\"}");
        assertThat(overlap.statusCode()).isEqualTo(409);
        assertThat(overlap.body()).contains("(rule no-overlap)").contains("range lobby (#900-#950)");

        HttpResponse<String> sameName = add("{\"name\":\"lobby\",\"range\":\"#100-#199\"}");
        assertThat(sameName.statusCode()).isEqualTo(409);
        assertThat(sameName.body()).contains("(rule unique-name)");

        // carol's phone is +905: orbit 905 would be her number
        HttpResponse<String> phone = add("{\"name\":\"plain\",\"range\":\"900-950\"}");
        assertThat(phone.statusCode()).isEqualTo(409);
        assertThat(phone.body())
                .contains("(rule no-user-number)")
                .contains("phone number +905 of sip:carol@other.test");

        HttpResponse<String> userPart = add("{\"name\":\"plain\",\"range\":\"951-999\"}");
        assertThat(userPart.statusCode()).isEqualTo(409);
        assertThat(userPart.body()).contains("the user part of sip:951@other.test");

        // as dialed, #905 and 905 are different orbits: the # range and a 4-digit range are fine
        assertThat(add("{\"name\":\"plain\",\"range\":\"0900-0950\"}").statusCode())
                .isEqualTo(201);
        assertThat(api("GET", "/api/park/orbits", null).body())
                .contains("\"name\":\"lobby\"", "\"name\":\"plain\"")
                .doesNotContain("\"hall\"");
    }

    @Test
    void a_user_whose_number_is_an_orbit_is_refused_409_naming_the_rule_and_not_stored() throws Exception {
        assertThat(add("{\"name\":\"desk\",\"range\":\"700-709\"}").statusCode())
                .isEqualTo(201);

        HttpResponse<String> userPart = user("uri=sip%3A705%40example.test&password=desk-pass-705");
        assertThat(userPart.statusCode()).as(userPart.body()).isEqualTo(409);
        assertThat(userPart.body())
                .contains("orbit 705 of range 700-709 is the user part of sip:705@example.test")
                .contains("(range desk; rule no-user-number)");
        HttpResponse<String> phone = user("uri=sip%3Adan%40example.test&password=dan-pass-1&phone=%2B707");
        assertThat(phone.statusCode()).as(phone.body()).isEqualTo(409);
        assertThat(phone.body()).contains("phone number +707 of sip:dan@example.test");

        // an import takes the other rows and reports the conflicting one by line
        HttpResponse<String> imported = AdminHttp.send(
                node.adminPort(),
                "POST",
                "/api/users/import",
                TestNodes.TOKEN,
                "text/csv",
                "uri,password,display_name,phone\nsip:706@example.test,desk-pass-706,,\nsip:erin@example.test,erin-pass-1,Erin,\n");
        assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);
        assertThat(imported.body()).contains("\"imported\":1", "\"line\":2", "rule no-user-number");
        assertThat(AdminHttp.get(node.adminPort(), "/api/users?domain=example.test")
                        .body())
                .contains("sip:erin@example.test")
                .doesNotContain("sip:705@", "sip:dan@", "sip:706@");

        // with the range gone, the same user is fine
        assertThat(api("DELETE", "/api/park/orbits/desk", null).statusCode()).isEqualTo(200);
        assertThat(user("uri=sip%3A705%40example.test&password=desk-pass-705").statusCode())
                .isEqualTo(201);
    }

    HttpResponse<String> user(String form) throws Exception {
        return AdminHttp.send(
                node.adminPort(), "POST", "/api/users", TestNodes.TOKEN, "application/x-www-form-urlencoded", form);
    }

    @Test
    void the_json_shows_the_settings_each_range_uses() throws Exception {
        HttpResponse<String> r = add("{\"name\":\"desk\",\"range\":\"*10-*19\",\"maxPickupAttempts\":3}");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.body())
                .isEqualTo("{\"name\":\"desk\",\"range\":\"*10-*19\",\"orbits\":10,\"pickupTimeout\":60,"
                        + "\"maxPickupAttempts\":3,\"onTimeoutUri\":null,\"overrides\":[\"maxPickupAttempts\"]}");
        assertThat(api("PUT", "/api/park/orbits", "{}").statusCode()).isEqualTo(405);
        assertThat(api("GET", "/api/park/orbits/desk", null).statusCode()).isEqualTo(405);
        assertThat(api("DELETE", "/api/park/orbitsdesk", null).statusCode()).isEqualTo(404);
        assertThat(api("DELETE", "/api/park/orbits/desk/x", null).statusCode()).isEqualTo(404);
        assertThat(api("DELETE", "/api/park/orbits/desk", null).statusCode()).isEqualTo(200);
        assertThat(AdminHttp.send(node.adminPort(), "GET", "/api/park/orbits", "wrong-token", null, null)
                        .statusCode())
                .isEqualTo(401);
    }
}
