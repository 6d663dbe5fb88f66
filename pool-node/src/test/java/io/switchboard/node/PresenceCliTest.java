package io.switchboard.node;

import static io.switchboard.node.PresenceApiFixture.ALICE;
import static io.switchboard.node.PresenceApiFixture.BOB;
import static io.switchboard.node.PresenceApiFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.cli.AdminCli;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Availability;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.sip.auth.AuthThrottle;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code switchboard presence ...} run in-process against the presence admin API, checked against Cassandra. */
class PresenceCliTest {

    static PresenceApiFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new PresenceApiFixture("presence_cli", AuthThrottle.Limits.DEFAULT);
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @BeforeEach
    void clear() {
        fx.clear();
    }

    record Run(int exit, String out, String err) {}

    static Run cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--node", "http://127.0.0.1:" + fx.port(), "--token", PresenceApiFixture.TOKEN));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = AdminCli.run(all.toArray(String[]::new), o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void access_set_show_and_clear() {
        Run set = cli("presence", "access", ALICE, "set", "sip:bob@example.test", "workgroup");
        assertThat(set.exit()).as(set.err()).isZero();
        assertThat(set.out()).contains("  sip:bob@example.test").contains("workgroup");
        Run domain = cli("presence", "access", ALICE, "set", "partner.example", "blocked");
        assertThat(domain.exit()).as(domain.err()).isZero();
        assertThat(await(fx.access.load(ALICE)))
                .isEqualTo(new AccessPolicy(
                        Map.of(BOB, AccessLevel.WORKGROUP), Map.of("partner.example", AccessLevel.BLOCKED)));

        assertThat(cli("presence", "access", ALICE).out()).isEqualTo("""
                sip:alice@example.test: access levels
                  WATCHER OR DOMAIN                            LEVEL
                  sip:bob@example.test                         workgroup
                  partner.example                              blocked
                  (anyone else of example.org, example.test)   colleagues (default)
                  (anyone else)                                external (default)
                """);

        Run clear = cli("presence", "access", ALICE, "clear", "sip:bob@example.test");
        assertThat(clear.exit()).as(clear.err()).isZero();
        assertThat(clear.out()).doesNotContain("sip:bob@example.test");
        assertThat(await(fx.access.load(ALICE)).byWatcher()).isEmpty();
    }

    @Test
    void contacts_add_with_groups_list_and_remove() {
        Run add = cli(
                "presence",
                "contacts",
                ALICE,
                "add",
                "sip:bob@example.test",
                "--name",
                "Bob Smith",
                "--group",
                "Team",
                "--group",
                "Lunch crew");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(await(fx.contacts.load(ALICE)).contacts())
                .containsExactly(new Contact(BOB, "Bob Smith", List.of("Team", "Lunch crew")));
        assertThat(cli("presence", "contacts", ALICE, "add", "sip:+31201234567@example.test")
                        .exit())
                .isZero();

        Run list = cli("presence", "contacts", ALICE);
        assertThat(list.out())
                .isEqualTo("sip:alice@example.test: 2 contacts\n"
                        + String.format("  %-40s %-30s %s%n", "URI", "NAME", "GROUPS")
                        + String.format("  %-40s %-30s %s%n", "sip:+31201234567@example.test", "-", "-")
                        + String.format("  %-40s %-30s %s%n", "sip:bob@example.test", "Bob Smith", "Team, Lunch crew"));

        Run remove = cli("presence", "contacts", ALICE, "remove", "sip:bob@example.test");
        assertThat(remove.exit()).as(remove.err()).isZero();
        assertThat(remove.out()).startsWith("sip:alice@example.test: 1 contact\n");
        assertThat(await(fx.contacts.load(ALICE)).uris()).containsExactly("sip:+31201234567@example.test");
    }

    @Test
    void show_prints_the_view_of_a_watcher() {
        fx.presence.show(new PresenceView(
                ALICE, Availability.AWAY, null, "at lunch", List.of(), Instant.parse("2026-11-21T12:00:00Z")));
        Run show = cli("presence", "show", ALICE, "--watcher", "sip:bob@example.test");
        assertThat(show.exit()).as(show.err()).isZero();
        assertThat(show.out()).isEqualTo("""
                sip:alice@example.test as sip:bob@example.test sees it
                  availability: away (15500)
                  activity:     -
                  note:         at lunch
                  phones:       -
                  since:        2026-11-21T12:00:00Z
                """);
        assertThat(cli("presence", "show", ALICE).out()).startsWith("sip:alice@example.test (full view)\n");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "presence access sip:alice@example.test set sip:bob@example.test best | 1 | error 400: level \"best\" is not one of blocked, external, colleagues, workgroup, friends-and-family",
                "presence contacts sip:alice@example.test add sip:alice@example.test  | 1 | error 400: uri sip:alice@example.test is the owner of the list",
                "presence contacts sip:nobody@example.test                            | 1 | error 404: no user sip:nobody@example.test",
                "presence contacts sip:alice@example.test add sip:bob@example.test --nick B | 2 | presence contacts add does not know --nick",
                "presence access sip:alice@example.test set sip:bob@example.test      | 2 | unknown command: presence access sip:alice@example.test set sip:bob@example.test",
                "presence show                                                        | 2 | presence show needs a user's AOR",
            })
    void mistakes_are_explained_and_change_nothing(String command, int exit, String error) {
        Run r = cli(command.split(" "));
        assertThat(r.exit()).isEqualTo(exit);
        assertThat(r.err()).startsWith(error);
        assertThat(await(fx.access.load(ALICE))).isEqualTo(AccessPolicy.DEFAULT);
        assertThat(await(fx.contacts.load(ALICE)).contacts()).isEmpty();
    }
}
