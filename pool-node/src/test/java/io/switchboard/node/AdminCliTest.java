package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.cli.AdminCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The admin CLI as an operator uses it, run in-process against a real node's admin HTTP API, and
 * that API's own answers to unauthenticated, unknown and wrong-method requests.
 */
class AdminCliTest {

    static SwitchboardNode node;
    static String nodeUrl;

    @BeforeAll
    static void startNode() {
        node = TestNodes.start("admin_cli", "");
        nodeUrl = "http://127.0.0.1:" + node.adminPort();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    record Run(int exit, String out, String err) {}

    /** {@code AdminCli.run(args + --node <this node> --token <its token>)}. */
    static Run cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--node", nodeUrl, "--token", TestNodes.TOKEN));
        return cliRaw(all.toArray(String[]::new));
    }

    static Run cliRaw(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = AdminCli.run(args, o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The line of {@code user list} output that names {@code uri}, or null. */
    static String listLine(String listing, String uri) {
        return listing.lines().filter(l -> l.startsWith(uri + " ")).findFirst().orElse(null);
    }

    // --- user add / list

    @Test
    void user_add_then_list_shows_the_user_with_normalised_phone() {
        Run add = cli(
                "user",
                "add",
                "sip:carol@example.test",
                "--password",
                "carol-pass-1",
                "--name",
                "Carol Jones",
                "--phone",
                "+44 20 7946-0000");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(add.out()).isEqualTo("added sip:carol@example.test\n");
        assertThat(add.err()).isEmpty();

        assertThat(cli("user", "add", "sip:olga@other.test", "--password", "olga-pass-1")
                        .exit())
                .isZero();

        Run list = cli("user", "list", "--domain", "example.test");
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out().lines().findFirst())
                .hasValueSatisfying(h -> assertThat(h).startsWith("URI").contains("NAME", "PHONE"));
        assertThat(listLine(list.out(), "sip:carol@example.test"))
                .isNotNull()
                .contains("Carol Jones")
                .endsWith("+442079460000");
        // the configured bootstrap users are there too, users of other domains are not
        assertThat(listLine(list.out(), "sip:alice@example.test")).contains("Alice");
        assertThat(listLine(list.out(), "sip:olga@other.test")).isNull();
        Run all = cli("user", "list");
        assertThat(listLine(all.out(), "sip:olga@other.test")).isNotNull();
        assertThat(listLine(all.out(), "sip:carol@example.test")).isNotNull();
    }

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "carol2@example.test      | good-password-1 | uri must start with sip: or sips: (got \"carol2@example.test\")",
                "sip:@example.test        | good-password-1 | uri has an empty user part",
                "sip:dora@elsewhere.test  | good-password-1 | domain elsewhere.test is not served by this pool (served: example.test, other.test)",
                "sip:dora@example.test    | short           | password must have at least 8 characters",
                "sip:dora@example.test    | dora            | password must have at least 8 characters; password must not equal the user name",
            })
    void user_add_with_bad_input_fails_and_names_the_problem(String uri, String password, String problem) {
        Run add = cli("user", "add", uri, "--password", password);
        assertThat(add.exit()).isNotZero();
        assertThat(add.out()).isEmpty();
        assertThat(add.err()).as("the message as text, not JSON").isEqualTo("error 400: " + problem + "\n");
        assertThat(add.err()).as("the password is never echoed").doesNotContain("\"" + password + "\"");
        assertThat(cli("user", "list").out()).doesNotContain("sip:dora@");
    }

    @Test
    void user_add_without_password_is_a_usage_error() {
        Run add = cli("user", "add", "sip:dora@example.test");
        assertThat(add.exit()).isEqualTo(2);
        assertThat(add.err()).contains("user add needs a URI and --password").contains("usage:");
        assertThat(cli("user", "list").out()).doesNotContain("sip:dora@");
    }

    // --- user import

    @Test
    void user_import_stores_good_rows_and_reports_bad_ones_by_line(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("users.csv");
        Files.writeString(csv, """
                uri,password,display_name,phone
                sip:dave@example.test,dave-pass-1,Dave,+1 555 0101
                sip:erin@example.test,short,Erin,
                sip:frank@example.test,frank-pass-1,"Frank, Jr.",

                not-a-uri,whatever-pw,Nobody,
                sip:frank@example.test,frank-pass-2,Frank again,
                sip:gina@example.test,gina-pass-1,Gina,12345
                sip:hank@example.test,hank-pass-1
                """);
        Run imp = cli("user", "import", csv.toString());
        assertThat(imp.exit())
                .as("a partial import says so in its exit code: %s", imp.err())
                .isEqualTo(1);
        assertThat(imp.out().lines().toList())
                .containsExactly(
                        "imported 2 users, 5 rows rejected",
                        "line 3: password must have at least 8 characters",
                        "line 6: uri must start with sip: or sips: (got \"not-a-uri\")",
                        "line 7: same account sip:frank@example.test as line 4",
                        "line 8: phone must be E.164, + then 1 to 15 digits not starting with 0 (got \"12345\")",
                        "line 9: row has 2 fields, the header has 4");

        Run list = cli("user", "list", "--domain", "example.test");
        assertThat(listLine(list.out(), "sip:dave@example.test"))
                .contains("Dave")
                .endsWith("+15550101");
        assertThat(listLine(list.out(), "sip:frank@example.test")).contains("Frank, Jr.");
        assertThat(list.out()).doesNotContain("erin@", "gina@", "hank@", "Frank again");
    }

    @Test
    void user_import_where_every_row_is_bad_fails(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "uri,password\nsip:ivan@example.test,ivan\n");
        Run imp = cli("user", "import", csv.toString());
        assertThat(imp.exit()).isNotZero();
        assertThat(imp.err())
                .startsWith("error 400: imported 0 users, 1 rows rejected")
                .contains("line 2: password must have at least 8 characters; password must not equal the user name");
        assertThat(cli("user", "list").out()).doesNotContain("ivan@");
    }

    @Test
    void user_import_of_a_file_with_a_wrong_header_imports_nothing(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("header.csv");
        Files.writeString(csv, "uri,pasword\nsip:judy@example.test,judy-pass-1\n");
        Run imp = cli("user", "import", csv.toString());
        assertThat(imp.exit()).isNotZero();
        assertThat(imp.err())
                .isEqualTo(
                        "error 400: line 1: unknown column \"pasword\" (known: uri, password, display_name, phone, site)\n");
        assertThat(cli("user", "list").out()).doesNotContain("judy@");
    }

    @Test
    void user_import_of_a_missing_file_says_so(@TempDir Path dir) {
        Run imp = cli("user", "import", dir.resolve("nope.csv").toString());
        assertThat(imp.exit()).isEqualTo(2);
        assertThat(imp.err()).contains("cannot read").contains("nope.csv");
    }

    // --- registrations

    @Test
    void registrations_lists_the_binding_a_register_made() throws Exception {
        try (SipTestClient c = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort())) {
            SipTestClient.Response ok = RegistrarSipTest.registerWith(
                    c, "bob", "bob-secret", List.of("Contact: <" + c.contactUri("bob") + ">"));
            assertThat(ok.status()).isEqualTo(200);

            Run r = cli("registrations", "sip:bob@example.test");
            assertThat(r.exit()).as(r.err()).isZero();
            List<String> lines = r.out().lines().toList();
            assertThat(lines.get(0)).isEqualTo("sip:bob@example.test: 1 binding");
            assertThat(lines.get(1)).startsWith("CONTACT").contains("TRANSPORT", "NODE", "EXPIRES");
            assertThat(lines.get(2)).startsWith(c.contactUri("bob")).contains(" udp ", " node-1 ");
            assertThat(lines.get(2)).containsPattern(" (59\\d|600)s ");
        }
        // the domain part of the AOR is case-insensitive
        assertThat(cli("registrations", "sip:bob@EXAMPLE.test").out()).startsWith("sip:bob@example.test: 1 binding");
    }

    @Test
    void registrations_of_an_aor_without_bindings_and_of_a_bad_aor() {
        Run none = cli("registrations", "sip:nobody@example.test");
        assertThat(none.exit()).isZero();
        assertThat(none.out()).isEqualTo("sip:nobody@example.test: 0 bindings\n");

        Run bad = cli("registrations", "bob");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).isEqualTo("error 400: Give ?aor=sip:user@domain\n");
    }

    // --- access and usage errors

    @Test
    void wrong_token_is_refused_with_a_clear_error() {
        Run r = cliRaw("user", "list", "--node", nodeUrl, "--token", "not-the-token");
        assertThat(r.exit()).isNotZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("error 401: ").contains("admin token");

        Run add = cliRaw(
                "user",
                "add",
                "sip:mallory@example.test",
                "--password",
                "mallory-pw-1",
                "--node",
                nodeUrl,
                "--token",
                "not-the-token");
        assertThat(add.exit()).isNotZero();
        assertThat(cli("user", "list").out()).doesNotContain("mallory@");
    }

    @Test
    void a_node_that_does_not_answer_is_reported_with_its_address() {
        String nowhere = "http://127.0.0.1:" + TestNodes.freePort();
        Run r = cliRaw("user", "list", "--node", nowhere, "--token", TestNodes.TOKEN);
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("cannot reach the node at " + nowhere).contains("--node");
    }

    @Test
    void unknown_command_prints_usage() {
        Run r = cli("frobnicate", "now");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("unknown command: frobnicate now\n").contains("usage: switchboard");
        Run userTypo = cli("user", "remove", "sip:bob@example.test");
        assertThat(userTypo.exit()).isEqualTo(2);
        assertThat(userTypo.err()).contains("unknown command: user remove");
    }

    @Test
    void an_explicit_config_file_that_does_not_exist_is_an_error(@TempDir Path dir) {
        Run r = cliRaw("user", "list", "--config", dir.resolve("nope.conf").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("nope.conf").contains("does not exist");
    }

    @Test
    void no_command_help_and_dangling_option() {
        Run none = cliRaw();
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.out()).contains("usage: switchboard").contains("user import FILE.csv");
        Run help = cliRaw("help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("usage: switchboard");
        Run dangling = cliRaw("user", "list", "--token");
        assertThat(dangling.exit()).isEqualTo(2);
        assertThat(dangling.err()).contains("option --token needs a value");
    }

    // --- the admin HTTP API itself

    @Test
    void api_without_or_with_a_wrong_token_is_401_and_changes_nothing() throws Exception {
        int port = node.adminPort();
        HttpResponse<String> none = AdminHttp.send(port, "GET", "/api/users", null, null, null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(none.body()).contains("\"error\":").contains("Bearer");
        assertThat(none.body()).doesNotContain(TestNodes.TOKEN);

        assertThat(AdminHttp.send(port, "GET", "/api/registrations?aor=sip:bob@example.test", "wrong", null, null)
                        .statusCode())
                .isEqualTo(401);
        HttpResponse<String> add = AdminHttp.send(
                port,
                "POST",
                "/api/users",
                null,
                "application/x-www-form-urlencoded",
                "uri=sip%3Atrudy%40example.test&password=trudy-pass-1");
        assertThat(add.statusCode()).isEqualTo(401);
        HttpResponse<String> imp = AdminHttp.send(
                port,
                "POST",
                "/api/users/import",
                "wrong",
                "text/csv",
                "uri,password\nsip:trudy@example.test,trudy-pass-1\n");
        assertThat(imp.statusCode()).isEqualTo(401);
        assertThat(AdminHttp.get(port, "/api/users").body()).doesNotContain("trudy@");
    }

    @Test
    void health_and_metrics_need_no_token() throws Exception {
        int port = node.adminPort();
        assertThat(AdminHttp.send(port, "GET", "/health/alive", null, null, null)
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> ready = AdminHttp.send(port, "GET", "/health/ready", null, null, null);
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        HttpResponse<String> metrics = AdminHttp.send(port, "GET", "/metrics", null, null, null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    }

    @Test
    void unknown_paths_are_404() throws Exception {
        int port = node.adminPort();
        for (String path : List.of(
                "/nope",
                "/api",
                "/api/nope",
                "/health",
                "/api/users/alice",
                "/api/usersx",
                "/api/users/import/x",
                "/api/registrations/x",
                "/health/ready/x",
                "/metricsx")) {
            HttpResponse<String> r = AdminHttp.get(port, path);
            assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(404);
            assertThat(r.body()).contains("No such endpoint: " + path);
        }
    }

    @Test
    void wrong_methods_are_405() throws Exception {
        int port = node.adminPort();
        for (String method : List.of("PUT", "DELETE", "PATCH")) {
            HttpResponse<String> r = AdminHttp.send(port, method, "/api/users", TestNodes.TOKEN, "text/plain", "x");
            assertThat(r.statusCode()).as("%s /api/users: %s", method, r.body()).isEqualTo(405);
            assertThat(r.body()).contains("GET").contains("POST");
            assertThat(r.headers().firstValue("Allow")).hasValue("GET, POST");
        }
        for (String method : List.of("POST", "DELETE")) {
            HttpResponse<String> r = AdminHttp.send(
                    port, method, "/api/registrations?aor=sip:bob@example.test", TestNodes.TOKEN, "text/plain", "x");
            assertThat(r.statusCode())
                    .as("%s /api/registrations: %s", method, r.body())
                    .isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).hasValue("GET");
        }
        HttpResponse<String> getImport = AdminHttp.get(port, "/api/users/import");
        assertThat(getImport.statusCode()).isEqualTo(405);
        assertThat(getImport.body()).contains("POST a CSV body");
    }

    @Test
    void add_and_import_answer_json_by_default() throws Exception {
        int port = node.adminPort();
        HttpResponse<String> add = AdminHttp.send(
                port,
                "POST",
                "/api/users",
                TestNodes.TOKEN,
                "application/x-www-form-urlencoded",
                "uri=sip%3Akate%40example.test&password=kate-pass-1&display_name=Kate");
        assertThat(add.statusCode()).as(add.body()).isEqualTo(201);
        assertThat(add.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(add.body())
                .contains("\"uri\":\"sip:kate@example.test\"")
                .contains("\"display_name\":\"Kate\"")
                .doesNotContain("kate-pass-1");

        HttpResponse<String> imp = AdminHttp.send(
                port,
                "POST",
                "/api/users/import",
                TestNodes.TOKEN,
                "text/csv",
                "uri,password\nsip:liam@example.test,liam-pass-1\nsip:liam@example.test,liam-pass-2\n");
        assertThat(imp.statusCode()).as(imp.body()).isEqualTo(200);
        assertThat(imp.body())
                .contains("\"imported\":1")
                .contains("\"line\":3")
                .contains("\"error\":\"same account sip:liam@example.test as line 2\"")
                .doesNotContain("liam-pass");
    }
}
