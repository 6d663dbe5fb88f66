package io.switchboard.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What the CLI answers without talking to a node: help, completion and usage errors. */
class AdminCliHelpTest {

    record Run(int exit, String out, String err) {}

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = AdminCli.run(args, o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "user add --help                  | Usage: switchboard user add | --password=P",
                "help user add                    | Usage: switchboard user add | --password=P",
                "user import -h                   | Usage: switchboard user import | FILE.csv",
                "call-settings set --help         | Usage: switchboard call-settings set | --sim-ring=URI|NUMBER|off",
                "presence contacts --help         | Usage: switchboard presence contacts | --group=G",
                "help presence access             | Usage: switchboard presence access | friends-and-family",
                "pool status --help               | Usage: switchboard pool status | exit code 1 unless",
                "node drain --help                | Usage: switchboard node drain | preStop hook runs it",
                "registrations --help --config x  | Usage: switchboard registrations | --node=NODE",
            })
    void every_command_has_help(String command, String usage, String detail) {
        Run r = cli(command.split(" "));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith(usage).contains(detail).contains("--help");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void the_overview_names_help_and_completion() {
        Run r = cli("help");
        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .startsWith("usage: switchboard")
                .contains("generate-completion")
                .contains("COMMAND --help");
    }

    @Test
    void generate_completion_prints_a_bash_script_for_every_command() {
        // bin/switchboard adds --config to every command; completion ignores it
        Run r = cli("generate-completion", "--config", "conf/switchboard.conf");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .startsWith("#!/usr/bin/env bash")
                .contains("complete -F _complete_switchboard")
                .contains("call-settings", "presence", "registrations", "local-pool", "--sim-ring", "--watcher");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "user list --domian example.test  | user list does not know --domian",
                "pool status --verbose            | pool status does not know --verbose",
                "registrations sip:a@b --all=yes  | registrations does not know --all",
                "user add sip:a@b --password      | option --password needs a value",
                "presence contacts sip:a@b --name Bob | presence contacts does not know --name",
                "pool                             | unknown command: pool",
                "call-settings reset sip:a@b      | unknown command: call-settings reset sip:a@b",
            })
    void usage_errors_name_the_word_at_fault_and_exit_2(String command, String error) {
        Run r = cli(command.split(" "));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith(error + "\n").contains("usage: switchboard");
    }

    @ParameterizedTest
    @ValueSource(strings = {"start", "local-pool"})
    void start_and_local_pool_are_main_s(String command) {
        Run r = cli(command);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("runs through bin/switchboard");
    }
}
