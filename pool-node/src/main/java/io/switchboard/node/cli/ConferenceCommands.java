package io.switchboard.node.cli;

import io.switchboard.node.admin.ConferencesApi;
import io.switchboard.node.admin.Json;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code switchboard conference ...}: the conferencing focus's operator commands over the admin
 * API's {@value ConferencesApi#PREFIX} (README, "Conferencing focus"). {@link AdminCli} only
 * registers the group.
 */
@Command(
        name = "conference",
        description = "Conferences (the conferencing focus).",
        subcommands = {
            ConferenceCommands.Create.class,
            ConferenceCommands.ListConferences.class,
            ConferenceCommands.Show.class,
            ConferenceCommands.Lock.class,
            ConferenceCommands.Unlock.class,
            ConferenceCommands.Admit.class,
            ConferenceCommands.Eject.class,
            ConferenceCommands.End.class
        })
final class ConferenceCommands extends AdminCli.Group {

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A command naming one conference, and for some a participant leg. */
    abstract static class OnConference extends AdminCli.NodeCommand {
        @Parameters(paramLabel = "ID [LEG]", arity = "0..*", description = "The conference id (and a leg id).")
        List<String> words = new ArrayList<>();

        String path(int legs) {
            if (words.size() != 1 + legs) {
                throw new AdminCli.UsageError(label() + " needs " + (legs == 0 ? "exactly one ID" : "ID and LEG")
                        + ", e.g. conference " + spec.name() + " abcdefghijklmnopqrst"
                        + (legs == 0 ? "" : " 1f2e3d@10.0.0.7"));
            }
            String p = ConferencesApi.PREFIX + "/" + segment(words.get(0));
            return legs == 0 ? p : p + "/participants/" + segment(words.get(1));
        }
    }

    @Command(name = "create", description = "Create a conference; prints its URI, numeric id and settings.")
    static final class Create extends AdminCli.NodeCommand {
        @Option(names = "--organizer", paramLabel = "URI", description = "A user of ours, e.g. sip:alice@example.test.")
        String organizer;

        @Option(names = "--subject", paramLabel = "S")
        String subject;

        @Option(names = "--access", paramLabel = "TYPE", description = "open, company (default) or invited.")
        String access;

        @Option(names = "--limit", paramLabel = "N", description = "Participants and lobby together, 1..10000 (250).")
        Integer limit;

        @Option(names = "--invitee", paramLabel = "URI", description = "Who enters an invited conference directly.")
        List<String> invitees = new ArrayList<>();

        @Option(
                names = "--presenter",
                paramLabel = "URI",
                description = "A presenter besides the organizer, or everyone.")
        List<String> presenters = new ArrayList<>();

        @Option(names = "--lobby-bypass", description = "Our users skip the lobby.")
        boolean lobbyBypass;

        @Option(names = "--end", paramLabel = "INSTANT", description = "Scheduled end, e.g. 2030-01-31T17:00:00Z.")
        String end;

        @Option(names = "--keep-days", paramLabel = "N", description = "Days kept after the end (14).")
        Integer keepDays;

        @Option(names = "--grace-minutes", paramLabel = "N", description = "Ad hoc: kept after the last one left (60).")
        Integer graceMinutes;

        @Override
        int talk(AdminCli.Client client) throws IOException, InterruptedException {
            if (organizer == null) {
                throw new AdminCli.UsageError(
                        "conference create needs --organizer URI, e.g. --organizer sip:alice@example.test");
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("organizer", organizer);
            if (subject != null) {
                body.put("subject", subject);
            }
            if (access != null) {
                body.put("access", access);
            }
            if (limit != null) {
                body.put("limit", limit);
            }
            if (!invitees.isEmpty()) {
                body.put("invitees", invitees);
            }
            if (presenters.equals(List.of("everyone"))) {
                body.put("presenters", "everyone");
            } else if (!presenters.isEmpty()) {
                body.put("presenters", presenters);
            }
            if (lobbyBypass) {
                body.put("lobbyBypass", true);
            }
            if (end != null) {
                body.put("end", end);
            }
            if (keepDays != null) {
                body.put("keepDays", keepDays);
            }
            if (graceMinutes != null) {
                body.put("graceMinutes", graceMinutes);
            }
            return print(client, "POST", ConferencesApi.PREFIX, Json.write(body), "application/json");
        }
    }

    @Command(name = "list", description = "Live conferences, pool-wide.")
    static final class ListConferences extends AdminCli.NodeCommand {
        @Override
        int talk(AdminCli.Client client) throws IOException, InterruptedException {
            return print(client, "GET", ConferencesApi.PREFIX, null, null);
        }
    }

    @Command(name = "show", description = "A conference and its roster with roles and status.")
    static final class Show extends OnConference {
        @Override
        int talk(AdminCli.Client client) throws IOException, InterruptedException {
            return print(client, "GET", path(0), null, null);
        }
    }

    @Command(name = "lock", description = "No new participants except presenters.")
    static final class Lock extends OnConference {
        @Override
        int talk(AdminCli.Client client) throws IOException, InterruptedException {
            return print(client, "POST", path(0) + "/lock", null, null);
        }
    }

    @Command(name = "unlock", description = "New participants may join again.")
    static final class Unlock extends OnConference {
        @Override
        int talk(AdminCli.Client client) throws IOException, InterruptedException {
            return print(client, "POST", path(0) + "/unlock", null, null);
        }
    }

    @Command(name = "admit", description = "Let a participant in from the lobby.")
    static final class Admit extends OnConference {
        @Override
        int talk(AdminCli.Client client) throws IOException, InterruptedException {
            return print(client, "POST", path(1) + "/admit", null, null);
        }
    }

    @Command(name = "eject", description = "Remove a participant (its call ends).")
    static final class Eject extends OnConference {
        @Override
        int talk(AdminCli.Client client) throws IOException, InterruptedException {
            return print(client, "DELETE", path(1), null, null);
        }
    }

    @Command(name = "end", description = "End the conference: every call ends, its URI answers 404.")
    static final class End extends OnConference {
        @Override
        int talk(AdminCli.Client client) throws IOException, InterruptedException {
            return print(client, "POST", path(0) + "/end", null, null);
        }
    }
}
