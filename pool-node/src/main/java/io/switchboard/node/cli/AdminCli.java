package io.switchboard.node.cli;

import io.switchboard.node.admin.CallSettingsApi;
import io.switchboard.node.admin.Json;
import io.switchboard.node.admin.ParkApi;
import io.switchboard.node.admin.PoolApi;
import io.switchboard.node.admin.PresenceApi;
import io.switchboard.node.admin.UsersApi;
import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * The admin CLI: talks to a running node's admin HTTP API. The node address and token come from
 * {@code --node URL} / {@code --token T}, else from the config file ({@code --config FILE}, default
 * {@code conf/switchboard.conf}), else the built-in defaults.
 *
 * <p>Parsing, per-command help ({@code COMMAND --help}, {@code help COMMAND}) and bash completion
 * ({@code generate-completion}) are picocli's. What the README documents stays as it was: the
 * overview ({@link #USAGE}), the messages of usage errors, which name the option or word at fault,
 * and the exit codes: 0 done, 1 the node refused or could not be reached (or an import rejected
 * rows, or a pool member is not Up), 2 a usage error.
 */
@Command(
        name = "switchboard",
        description = "Administers a Switchboard pool through a node's admin API.",
        subcommands = {
            AdminCli.Start.class,
            AdminCli.User.class,
            AdminCli.Registrations.class,
            AdminCli.CallSettings.class,
            AdminCli.Presence.class,
            AdminCli.Pool.class,
            AdminCli.Park.class,
            AdminCli.LocalPoolCommand.class,
            AdminCli.GenerateCompletion.class,
            AdminCli.AddressBook.class,
            ConferenceCommands.class,
            DnsCommands.class,
            AdminCli.Node.class
        })
public final class AdminCli implements Callable<Integer> {

    static final String USAGE = """
            usage: switchboard <command> [options]
              start [--config FILE]                         run a pool node
              schema apply [--config FILE]                  apply the Cassandra schema version once, then exit
              site add NAME [--config FILE]                 a new branch site's keyspace and accounts (pool's config)
              user add URI --password P [--name N] [--phone E164] [--site SITE]
                                                            SITE: where the user is homed (default the pool)
              user import FILE.csv                          header: uri,password,display_name,phone[,site];
                                                            exit code 1 when any row was rejected
              user list [--domain D]
              user move URI --site SITE                     home the user at another site (the pool's name: back)
              registrations AOR                             current bindings of an address-of-record
              call-settings show AOR                        a user's simultaneous ring and call forwarding
              call-settings set AOR [--sim-ring URI|NUMBER|off] [--forward immediate|no-answer|off]
                                [--to URI|NUMBER] [--after SECONDS]
                                                            change only the options given; numbers are E.164
                                                            (+ and country code), --after 5..120 (default 20)
              call-settings clear AOR                       no simultaneous ring, no forwarding
              presence show AOR [--watcher AOR]             a user's presence: the full view, or what that watcher sees
              presence access AOR                           access levels for watchers, and the defaults
              presence access AOR set WATCHER|DOMAIN LEVEL  LEVEL: blocked, external, colleagues, workgroup,
                                                            friends-and-family; WATCHER sip:user@domain, or a domain
              presence access AOR clear WATCHER|DOMAIN      back to the default level
              presence contacts AOR                         the user's contact list
              presence contacts AOR add URI [--name N] [--group G]...
                                                            add or replace a contact (groups: repeat --group)
              presence contacts AOR remove URI
              pool status                                   members, their state, shards, entities and bindings;
                                                            exit code 1 unless every member is Up and reachable
              node drain                                    the node stops taking new dialogs (503), finishes its SIP
                                                            transactions, hands its shards over and leaves the cluster;
                                                            returns when done (then stop the process)
              park orbit add NAME --range START-END [--pickup-timeout SECONDS] [--max-pickup-attempts N]
                             [--on-timeout-uri URI]         add a call park orbit range, e.g. --range "#900-#950"
              park orbit list                               orbit ranges and the settings each uses
              park orbit remove NAME
              park list                                     calls waiting in orbits, pool-wide, with their nodes
              park show ORBIT                               the call waiting at ORBIT ("#905"), its node and timeouts
              local-pool [--nodes N]                        run N nodes (1-5, default 3) on 127.0.0.1..N over one
                                                            embedded Cassandra (local-pool --help for options)
              address-book sync --now                       read the directory now; shows progress, ends with a report
                                                            (added, changed, removed, numbers that did not normalize);
                                                            exit code 1 when the sync failed
              address-book normalize NUMBER                 the rule that matches NUMBER and the E.164 result
              address-book rules test FILE                  run 'NUMBER -> EXPECTED' cases through the node's rules;
                                                            prints each mismatch, exit code 1 when any case fails
              address-book status                           the published version, entries, files; last and next sync
              address-book show QUERY [--page N]            search as users do: names, mail, SIP URI, number prefixes
              conference create --organizer URI [--subject S] [--access open|company|invited] [--limit N]
                                [--invitee URI]... [--presenter URI|everyone]... [--lobby-bypass]
                                [--end INSTANT [--keep-days N] | --grace-minutes N]
                                                            create a conference; prints its URI and numeric id
              conference list                               live conferences, pool-wide
              conference show ID                            a conference and its roster (roles, status)
              conference lock ID | unlock ID | end ID       lock: only presenters join; end: every call ends
              conference admit ID LEG                       let a participant in from the lobby
              conference eject ID LEG                       remove a participant (its call ends)
              dns records [--domain D]... [--pool-fqdn FQDN] [--address IP]... [--branch SITE,FQDN,IP]...
                                                            print the DNS records (SRV, A) clients find the pool by,
                                                            as a zone fragment (dns records --help for options)
              generate-completion                           print a bash completion script:
                                                            source <(switchboard generate-completion)
              help COMMAND, COMMAND --help                  what one command takes, e.g. help presence contacts
            options for the admin commands:
              --config FILE   read admin address and token from this node config (default conf/switchboard.conf)
              --node NODE     the node to talk to: a URL (http://127.0.0.1:8080), host:port (127.0.0.2:8081),
                              or a local-pool node number (2 = http://127.0.0.2:8081); default: the config's
                              admin address (local-pool node 1 for conf/switchboard.conf)
              --token TOKEN   admin token (switchboard.admin.token)
            """;

    static final int FAILED = 1;
    static final int USAGE_ERROR = 2;

    /** Where commands write, and the command's words (the arguments less options and their values). */
    record Context(PrintStream out, PrintStream err, List<String> words) {}

    private AdminCli() {}

    public static int run(String[] argv, PrintStream out, PrintStream err) {
        List<String> words = words(argv);
        List<String> args = new ArrayList<>(List.of(argv));
        if (words.isEmpty() || words.equals(List.of("help"))) {
            boolean asked = !words.isEmpty() || args.contains("--help") || args.contains("-h");
            out.print(USAGE);
            return asked ? 0 : USAGE_ERROR;
        }
        if (words.get(0).equals("help")) {
            // help user add = user add --help
            args.remove("help");
            args.add("--help");
        }
        Context context = new Context(out, err, words);
        CommandLine cli = new CommandLine(new AdminCli(), new Factory(context));
        PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        cli.setOut(o);
        cli.setErr(e);
        cli.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cli.setUsageHelpWidth(100);
        // SIP URIs hold @, and a file of arguments is not something an operator expects here
        cli.setExpandAtFiles(false);
        cli.setParameterExceptionHandler((ex, given) -> parameterError(ex, context));
        int exit = cli.execute(args.toArray(String[]::new));
        o.flush();
        e.flush();
        return exit;
    }

    /** Only the subcommands act; {@code switchboard} alone is answered in {@link #run}. */
    @Override
    public Integer call() {
        return USAGE_ERROR;
    }

    private static int parameterError(CommandLine.ParameterException ex, Context context) {
        if (ex instanceof CommandLine.MissingParameterException missing) {
            for (CommandLine.Model.ArgSpec arg : missing.getMissing()) {
                if (arg instanceof OptionSpec option) {
                    context.err().print("option " + option.longestName() + " needs a value\n" + USAGE);
                    return USAGE_ERROR;
                }
            }
        }
        if (ex instanceof CommandLine.UnmatchedArgumentException) {
            // only group commands (user, call-settings, ...) get here: a word that is none of theirs
            return unknownCommand(context);
        }
        context.err().println(ex.getMessage());
        ex.getCommandLine().usage(context.err());
        return USAGE_ERROR;
    }

    private static int unknownCommand(Context context) {
        context.err().print("unknown command: " + String.join(" ", context.words()) + "\n" + USAGE);
        return USAGE_ERROR;
    }

    /** The arguments less options and their values, as the messages name the command. */
    static List<String> words(String[] argv) {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals("--help") || a.equals("-h") || (a.startsWith("--") && a.contains("="))) {
                continue;
            }
            if (a.startsWith("--")) {
                i++; // every other option takes a value
            } else {
                words.add(a);
            }
        }
        return words;
    }

    /** Hands every command the context; picocli creates them. */
    private record Factory(Context context) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            K made = CommandLine.defaultFactory().create(cls);
            if (made instanceof Base base) {
                base.context = context;
            }
            return made;
        }
    }

    /** {@code -h}, {@code --help} on every command. */
    static final class HelpOption {
        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "Show what this command takes, and exit.")
        boolean help;
    }

    /** Which node to talk to, on every command that talks to one. */
    static final class Target {
        @Option(
                names = "--config",
                paramLabel = "FILE",
                description = "Read the admin address and token from this node config (default conf/switchboard.conf).")
        Path config;

        @Option(
                names = "--node",
                paramLabel = "NODE",
                description =
                        "The node to talk to: a URL (http://127.0.0.1:8080), "
                                + "host:port, or a local-pool node number (2 = http://127.0.0.2:8081); default: the config's admin address.")
        String node;

        @Option(names = "--token", paramLabel = "TOKEN", description = "The admin token (switchboard.admin.token).")
        String token;
    }

    /** Thrown by a command to end with a usage error: the message is printed with the overview. */
    static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message, null, false, false);
        }
    }

    /** Every command: the context, help, and a usage error for unknown options. */
    abstract static class Base implements Callable<Integer> {
        Context context;

        @Spec
        CommandSpec spec;

        @Mixin
        HelpOption help;

        /** Arguments no option or parameter took: an unknown option must not be dropped silently. */
        @Unmatched
        List<String> unmatched = new ArrayList<>();

        /** How usage errors name this command, e.g. {@code call-settings set}. */
        String label() {
            return spec.qualifiedName(" ").substring("switchboard ".length());
        }

        @Override
        public final Integer call() {
            try {
                for (String a : unmatched) {
                    if (a.startsWith("-") && !(this instanceof Group)) {
                        throw new UsageError(
                                label() + " does not know " + (a.contains("=") ? a.substring(0, a.indexOf('=')) : a));
                    }
                }
                return execute();
            } catch (UsageError e) {
                context.err().print(e.getMessage() + "\n" + USAGE);
                return USAGE_ERROR;
            }
        }

        abstract int execute();

        PrintStream out() {
            return context.out();
        }

        PrintStream err() {
            return context.err();
        }
    }

    /**
     * A group of commands ({@code user}, {@code call-settings}, ...): alone, or with a word that is
     * none of its commands, it is an unknown command, whatever options follow.
     */
    abstract static class Group extends Base {
        @Override
        int execute() {
            return unknownCommand(context);
        }
    }

    /** A command that talks to a node. */
    abstract static class NodeCommand extends Base {
        @Mixin
        Target target;

        @Override
        int execute() {
            String base;
            String token;
            try {
                // An explicit --config must exist; the default one may be absent (then the defaults apply).
                Path config = target.config != null ? target.config : Path.of("conf/switchboard.conf");
                NodeConfig c = NodeConfig.load(target.config != null || Files.isRegularFile(config) ? config : null);
                String host = c.admin().bindAddress().equals("0.0.0.0")
                        ? "127.0.0.1"
                        : c.admin().bindAddress();
                base = target.node != null
                        ? nodeUrl(target.node)
                        : "http://" + host + ":" + c.admin().port();
                token = target.token != null ? target.token : c.admin().token();
            } catch (ConfigError | IllegalArgumentException e) {
                err().println(e.getMessage());
                return USAGE_ERROR;
            }
            Client client = new Client(base, token);
            try {
                return talk(client);
            } catch (IOException e) {
                err().println("cannot reach the node at " + base + ": "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                        + " (is it running? see --node)");
                return FAILED;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return FAILED;
            }
        }

        /** Checks the command's own words and options first (throwing {@link UsageError}), then asks the node. */
        abstract int talk(Client client) throws IOException, InterruptedException;

        int print(Client client, String method, String path, String body, String contentType)
                throws IOException, InterruptedException {
            return client.print(method, path, body, contentType, out(), err());
        }
    }

    // --- commands that Main runs itself; here for help and completion

    @Command(name = "start", description = "Run a pool node (default config: conf/switchboard.conf).")
    static final class Start extends Base {
        @Option(names = "--config", paramLabel = "FILE", description = "The node's config file.")
        Path config;

        @Override
        int execute() {
            throw new UsageError("start runs through bin/switchboard (io.switchboard.node.Main)");
        }
    }

    @Command(
            name = "local-pool",
            description = {
                "Run N nodes (1-5, default 3) on 127.0.0.1..N over one embedded Cassandra.",
                "local-pool --help lists its options."
            })
    static final class LocalPoolCommand extends Base {
        @Option(names = "--nodes", paramLabel = "N", description = "Nodes to run, 1-5 (default 3).")
        Integer nodes;

        @Override
        int execute() {
            throw new UsageError("local-pool runs through bin/switchboard (io.switchboard.node.Main)");
        }
    }

    @Command(
            name = "generate-completion",
            description = {
                "Print a bash completion script for switchboard:",
                "  source <(bin/switchboard generate-completion)"
            })
    static final class GenerateCompletion extends Base {
        /** bin/switchboard passes its config to every command; completion has no use for it. */
        @Mixin
        Target ignored;

        @Override
        int execute() {
            String script = AutoComplete.bash("switchboard", spec.root().commandLine());
            out().print(script.endsWith("\n") ? script : script + "\n");
            return 0;
        }
    }

    // --- user

    @Command(
            name = "user",
            description = "Add, import, list and move users.",
            subcommands = {User.Add.class, User.Import.class, User.ListUsers.class, User.Move.class})
    static final class User extends Group {

        @Command(name = "add", description = "Add (or replace) a user.")
        static final class Add extends NodeCommand {
            @Parameters(
                    paramLabel = "URI",
                    arity = "0..*",
                    description = "The user's address, e.g. sip:dave@example.test.")
            List<String> uris = new ArrayList<>();

            @Option(
                    names = "--password",
                    paramLabel = "P",
                    description = "8-128 characters; only its digests are stored.")
            String password;

            @Option(names = "--name", paramLabel = "N", description = "Display name.")
            String name;

            @Option(names = "--phone", paramLabel = "E164", description = "Phone number, + and country code.")
            String phone;

            @Option(
                    names = "--site",
                    paramLabel = "SITE",
                    description = "The site the user is homed at (switchboard.sites); default the pool.")
            String site;

            @Override
            int talk(Client client) throws IOException, InterruptedException {
                if (uris.size() != 1 || password == null) {
                    throw new UsageError("user add needs a URI and --password");
                }
                Map<String, String> form = new LinkedHashMap<>();
                form.put("uri", uris.get(0));
                form.put("password", password);
                form.put("display_name", name == null ? "" : name);
                form.put("phone", phone == null ? "" : phone);
                if (site != null) {
                    form.put("site", site);
                }
                String body = form.entrySet().stream()
                        .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                        .collect(Collectors.joining("&"));
                return print(client, "POST", "/api/users", body, "application/x-www-form-urlencoded");
            }
        }

        @Command(
                name = "import",
                description = {
                    "Bulk import; header uri,password,display_name,phone.",
                    "Good rows are stored, bad rows reported by line; exit code 1 when any row was rejected."
                })
        static final class Import extends NodeCommand {
            @Parameters(paramLabel = "FILE.csv", arity = "0..*", description = "The CSV file.")
            List<String> files = new ArrayList<>();

            @Override
            int talk(Client client) throws IOException, InterruptedException {
                if (files.size() != 1) {
                    throw new UsageError("user import needs a CSV file");
                }
                Path file = Path.of(files.get(0));
                if (!Files.isReadable(file)) {
                    err().println("cannot read " + file);
                    return USAGE_ERROR;
                }
                return print(
                        client,
                        "POST",
                        "/api/users/import",
                        Files.readString(file, StandardCharsets.UTF_8),
                        "text/csv");
            }
        }

        @Command(name = "list", description = "List users.")
        static final class ListUsers extends NodeCommand {
            @Option(names = "--domain", paramLabel = "D", description = "Only this domain.")
            String domain;

            @Override
            int talk(Client client) throws IOException, InterruptedException {
                return print(client, "GET", "/api/users" + query("domain", domain), null, null);
            }
        }

        @Command(
                name = "move",
                description = "Home a user at another site (the pool's own site name: back to the pool).")
        static final class Move extends NodeCommand {
            @Parameters(paramLabel = "URI", arity = "0..*", description = "The user, e.g. sip:dave@example.test.")
            List<String> uris = new ArrayList<>();

            @Option(names = "--site", paramLabel = "SITE", description = "The site (switchboard.sites).")
            String site;

            @Override
            int talk(Client client) throws IOException, InterruptedException {
                if (uris.size() != 1 || site == null) {
                    throw new UsageError("user move needs a URI and --site");
                }
                String body = "uri=" + enc(uris.get(0)) + "&site=" + enc(site);
                return print(client, "POST", "/api/users/move", body, "application/x-www-form-urlencoded");
            }
        }
    }

    // --- registrations

    @Command(
            name = "registrations",
            description = "Current bindings of an address-of-record: contact, transport, "
                    + "source, node, expires, instance, user agent.")
    static final class Registrations extends NodeCommand {
        @Parameters(paramLabel = "AOR", arity = "0..*", description = "e.g. sip:alice@example.test")
        List<String> aors = new ArrayList<>();

        @Override
        int talk(Client client) throws IOException, InterruptedException {
            if (aors.size() != 1) {
                return unknownCommand(context);
            }
            return print(client, "GET", "/api/registrations" + query("aor", aors.get(0)), null, null);
        }
    }

    // --- call settings

    @Command(
            name = "call-settings",
            description = "A user's simultaneous ring and call forwarding.",
            subcommands = {CallSettings.Show.class, CallSettings.Set.class, CallSettings.Clear.class})
    static final class CallSettings extends Group {

        abstract static class OneAor extends NodeCommand {
            @Parameters(paramLabel = "AOR", arity = "0..*", description = "The user, e.g. sip:alice@example.test.")
            List<String> aors = new ArrayList<>();

            String path() {
                if (aors.size() != 1) {
                    throw new UsageError(label() + " needs exactly one AOR, e.g. sip:alice@example.test");
                }
                return "/api/call-settings" + query("aor", aors.get(0));
            }
        }

        @Command(name = "show", description = "Show a user's simultaneous ring and call forwarding.")
        static final class Show extends OneAor {
            @Override
            int talk(Client client) throws IOException, InterruptedException {
                return print(client, "GET", path(), null, null);
            }
        }

        @Command(
                name = "set",
                description = {
                    "Change only the options given, e.g. --forward no-answer "
                            + "--to sip:voicemail@example.test --after 25; prints the result.",
                    "Numbers are E.164 (+ and country code)."
                })
        static final class Set extends OneAor {
            @Option(names = "--sim-ring", paramLabel = "URI|NUMBER|off", description = "Also ring this target.")
            String simRing;

            @Option(names = "--forward", paramLabel = "immediate|no-answer|off", description = "Forward calls.")
            String forward;

            @Option(names = "--to", paramLabel = "URI|NUMBER", description = "Where to forward to.")
            String to;

            @Option(names = "--after", paramLabel = "SECONDS", description = "No-answer delay, 5..120 (default 20).")
            String after;

            @Override
            int talk(Client client) throws IOException, InterruptedException {
                String path = path();
                if (simRing == null && forward == null && to == null && after == null) {
                    throw new UsageError(
                            "call-settings set needs at least one of --sim-ring, --forward, --to, --after");
                }
                return print(
                        client,
                        "PATCH",
                        path,
                        CallSettingsApi.editBody(simRing, forward, to, after),
                        "application/json");
            }
        }

        @Command(name = "clear", description = "No simultaneous ring, no forwarding.")
        static final class Clear extends OneAor {
            @Override
            int talk(Client client) throws IOException, InterruptedException {
                return print(client, "DELETE", path(), null, null);
            }
        }
    }

    // --- presence

    @Command(
            name = "presence",
            description = "A user's presence, access levels and contact list.",
            subcommands = {Presence.Show.class, Presence.Access.class, Presence.Contacts.class})
    static final class Presence extends Group {

        /** {@code AOR [action words...]}: the actions take words, so they are parsed here, not by picocli. */
        abstract static class OfUser extends NodeCommand {
            @Parameters(paramLabel = "AOR", arity = "0..*")
            List<String> words = new ArrayList<>();

            @Override
            String label() {
                return super.label() + (words.size() > 1 ? " " + words.get(1) : "");
            }

            String base() {
                if (words.isEmpty()) {
                    throw new UsageError(super.label() + " needs a user's AOR, e.g. sip:alice@example.test");
                }
                return PresenceApi.ADMIN_PREFIX + "/" + segment(words.get(0));
            }

            /** What follows the AOR: {@code action} and {@code n} words in all, else an unknown command. */
            boolean is(String action, int n) {
                return words.size() - 1 == n && (action == null || words.get(1).equals(action));
            }
        }

        @Command(name = "show", description = "A user's presence: the full view, or what one watcher sees.")
        static final class Show extends OfUser {
            @Option(names = "--watcher", paramLabel = "AOR", description = "Show what this watcher sees.")
            String watcher;

            @Override
            int talk(Client client) throws IOException, InterruptedException {
                String base = base();
                if (!is(null, 0)) {
                    return unknownCommand(context);
                }
                return print(client, "GET", base + query("watcher", watcher), null, null);
            }
        }

        @Command(
                name = "access",
                description = {
                    "Access levels for watchers, and the defaults:",
                    "  presence access AOR                          show them",
                    "  presence access AOR set WATCHER|DOMAIN LEVEL  LEVEL: blocked, external, colleagues, workgroup,",
                    "                                               friends-and-family; WATCHER sip:user@domain, or a domain",
                    "  presence access AOR clear WATCHER|DOMAIN     back to the default level"
                })
        static final class Access extends OfUser {
            @Override
            int talk(Client client) throws IOException, InterruptedException {
                String base = base();
                if (is(null, 0)) {
                    return print(client, "GET", base + "/access", null, null);
                }
                if (is("set", 3)) {
                    // the API answers with the whole policy; the operator sees the result at once
                    return print(
                            client,
                            "PUT",
                            base + "/access/" + segment(words.get(2)),
                            PresenceApi.levelBody(words.get(3)),
                            "application/json");
                }
                if (is("clear", 2)) {
                    return print(client, "DELETE", base + "/access/" + segment(words.get(2)), null, null);
                }
                return unknownCommand(context);
            }
        }

        @Command(
                name = "contacts",
                description = {
                    "The user's contact list:",
                    "  presence contacts AOR                        show it",
                    "  presence contacts AOR add URI [--name N] [--group G]...",
                    "                                               add or replace a contact (groups: repeat --group)",
                    "  presence contacts AOR remove URI             remove a contact"
                })
        static final class Contacts extends OfUser {
            @Option(names = "--name", paramLabel = "N", description = "The contact's name (add).")
            String name;

            @Option(names = "--group", paramLabel = "G", description = "A group of the contact (add); repeat for more.")
            List<String> groups = new ArrayList<>();

            @Override
            int talk(Client client) throws IOException, InterruptedException {
                String base = base();
                if (!is("add", 2) && (name != null || !groups.isEmpty())) {
                    throw new UsageError(label() + " does not know " + (name != null ? "--name" : "--group"));
                }
                if (is(null, 0)) {
                    return print(client, "GET", base + "/contacts", null, null);
                }
                if (is("add", 2)) {
                    return print(
                            client,
                            "PUT",
                            base + "/contacts/" + segment(words.get(2)),
                            PresenceApi.contactBody(name, groups),
                            "application/json");
                }
                if (is("remove", 2)) {
                    return print(client, "DELETE", base + "/contacts/" + segment(words.get(2)), null, null);
                }
                return unknownCommand(context);
            }
        }
    }

    // --- pool

    @Command(name = "pool", description = "The pool as a node sees it.", subcommands = Pool.Status.class)
    static final class Pool extends Group {
        @Command(
                name = "status",
                description = {
                    "Members, their state, shards, entities and bindings;",
                    "exit code 1 unless every member is Up and reachable."
                })
        static final class Status extends NodeCommand {
            @Override
            int talk(Client client) throws IOException, InterruptedException {
                return print(client, "GET", "/api/pool", null, null);
            }
        }
    }

    // --- node

    @Command(name = "node", description = "The node the command talks to.", subcommands = Node.Drain.class)
    static final class Node extends Group {
        @Command(
                name = "drain",
                description = {
                    "Not ready at once, new dialogs get 503 with Retry-After, SIP transactions under way finish,",
                    "shards handed over, cluster left (switchboard.drain); returns when done. The Kubernetes",
                    "preStop hook runs it; stop the process afterwards (SIGTERM finds the drain done)."
                })
        static final class Drain extends NodeCommand {
            @Override
            int talk(Client client) throws IOException, InterruptedException {
                return print(client, "POST", "/api/node/drain", null, null);
            }
        }
    }

    // --- address book

    @Command(
            name = "address-book",
            description = "The address book: sync the directory now, test the normalization rules.",
            subcommands = {
                AddressBook.Sync.class,
                AddressBook.Normalize.class,
                AddressBook.Rules.class,
                AddressBook.Status.class,
                AddressBook.Show.class
            })
    static final class AddressBook extends Group {
        @Command(
                name = "sync",
                description = {
                    "Read the directory now (switchboard.address-book.source) and publish a new version if anything",
                    "changed. Shows progress, ends with a report; exit code 1 when the sync failed."
                })
        static final class Sync extends NodeCommand {
            @Option(names = "--now", description = "Sync now (scheduled syncs run by themselves).")
            boolean now;

            @Override
            int talk(Client client) throws IOException, InterruptedException {
                if (!now) {
                    throw new UsageError("address-book sync needs --now");
                }
                HttpResponse<String> started = client.send("POST", "/api/address-book/sync");
                if (started.statusCode() >= 400) {
                    err().println("error " + started.statusCode() + ": " + errorMessage(started.body()));
                    return FAILED;
                }
                SyncProgress progress = new SyncProgress(out(), System.console() != null);
                com.fasterxml.jackson.databind.JsonNode status = parse(started.body());
                while (status.path("state").asText().equals("running")) {
                    progress.show(status);
                    Thread.sleep(250);
                    HttpResponse<String> r = client.send("GET", "/api/address-book/sync");
                    if (r.statusCode() >= 400) {
                        err().println("error " + r.statusCode() + ": " + errorMessage(r.body()));
                        return FAILED;
                    }
                    status = parse(r.body());
                }
                progress.end(status);
                if (status.path("state").asText().equals("succeeded")) {
                    out().print(status.path("report").path("text").asText());
                    return 0;
                }
                err().println("address book sync failed: "
                        + status.path("error").asText());
                return FAILED;
            }

            private static com.fasterxml.jackson.databind.JsonNode parse(String body) throws IOException {
                try {
                    return Json.parseObject(body);
                } catch (Json.Invalid e) {
                    throw new IOException("unexpected answer from the node: " + body);
                }
            }
        }

        @Command(
                name = "status",
                description = "The published version, its entries and files; this node's last and next sync.")
        static final class Status extends NodeCommand {
            @Override
            int talk(Client client) throws IOException, InterruptedException {
                return print(client, "GET", "/api/address-book/status", null, null);
            }
        }

        @Command(name = "show", description = "Search the address book as users do (prefix, names and numbers).")
        static final class Show extends NodeCommand {
            @Parameters(paramLabel = "QUERY", description = "A name, mail, SIP URI or number prefix.")
            String query;

            @Option(names = "--page", paramLabel = "N", description = "Page N of the results (50 each).")
            Integer page;

            @Override
            int talk(Client client) throws IOException, InterruptedException {
                return print(
                        client,
                        "GET",
                        "/api/address-book/search" + query("q", query) + (page == null ? "" : "&page=" + page),
                        null,
                        null);
            }
        }

        @Command(name = "rules", description = "The node's normalization rules.", subcommands = Rules.Test.class)
        static final class Rules extends Group {
            @Command(
                    name = "test",
                    description = {
                        "Run a file of 'NUMBER -> EXPECTED' lines (EXPECTED: E.164, ;ext=N, or none) through the",
                        "node's rules and report each mismatch; exit code 1 when any case fails."
                    })
            static final class Test extends NodeCommand {
                @Parameters(paramLabel = "FILE", description = "The test cases.")
                Path file;

                @Override
                int talk(Client client) throws IOException, InterruptedException {
                    String cases;
                    try {
                        cases = Files.readString(file, StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new UsageError("cannot read " + file + ": " + e.getMessage());
                    }
                    HttpResponse<String> r = client.send("POST", "/api/address-book/rules/test", cases);
                    if (r.statusCode() >= 400) {
                        err().println("error " + r.statusCode() + ": " + errorMessage(r.body()));
                        return FAILED;
                    }
                    com.fasterxml.jackson.databind.JsonNode result;
                    try {
                        result = Json.parseObject(r.body());
                    } catch (Json.Invalid e) {
                        throw new IOException("unexpected answer from the node: " + r.body());
                    }
                    result.path("problems").forEach(p -> out().println(p.asText()));
                    result.path("mismatches").forEach(m -> out().println(m.asText()));
                    long failed = result.path("failed").asLong()
                            + result.path("problems").size();
                    out().println("cases: " + result.path("passed").asLong() + " passed, "
                            + result.path("failed").asLong() + " failed"
                            + (result.path("problems").isEmpty()
                                    ? ""
                                    : ", " + result.path("problems").size() + " lines not understood"));
                    return failed > 0 ? FAILED : 0;
                }
            }
        }

        @Command(name = "normalize", description = "The normalization rule that matches NUMBER and its E.164 result.")
        static final class Normalize extends NodeCommand {
            @Parameters(
                    paramLabel = "NUMBER",
                    description = "A phone number as people write it, e.g. \"020 555 0101\".")
            String number;

            @Override
            int talk(Client client) throws IOException, InterruptedException {
                return print(client, "GET", "/api/address-book/normalize" + query("number", number), null, null);
            }
        }
    }

    // --- call park

    @Command(
            name = "park",
            description = "Call park.",
            subcommands = {Park.Orbit.class, Park.ListCalls.class, Park.ShowCall.class})
    static final class Park extends Group {
        @Command(name = "list", description = "Calls waiting in orbits, pool-wide.")
        static final class ListCalls extends NodeCommand {
            @Override
            int talk(Client client) throws IOException, InterruptedException {
                return print(client, "GET", ParkApi.CALLS, null, null);
            }
        }

        @Command(name = "show", description = "The call waiting at one orbit, e.g. park show \"#905\".")
        static final class ShowCall extends NodeCommand {
            @Parameters(paramLabel = "ORBIT", arity = "0..*", description = "The orbit as dialed, e.g. #905.")
            List<String> orbits = new ArrayList<>();

            @Override
            int talk(Client client) throws IOException, InterruptedException {
                if (orbits.size() != 1) {
                    throw new UsageError("park show needs exactly one ORBIT, e.g. park show \"#905\"");
                }
                return print(client, "GET", ParkApi.CALLS + "/" + segment(orbits.get(0)), null, null);
            }
        }

        @Command(
                name = "orbit",
                description = "Call park orbit ranges.",
                subcommands = {Orbit.Add.class, Orbit.ListRanges.class, Orbit.Remove.class})
        static final class Orbit extends Group {

            abstract static class Named extends NodeCommand {
                @Parameters(paramLabel = "NAME", arity = "0..*", description = "The range's name, e.g. lobby.")
                List<String> names = new ArrayList<>();

                String name() {
                    if (names.size() != 1) {
                        throw new UsageError(label() + " needs exactly one NAME, e.g. lobby");
                    }
                    return names.get(0);
                }
            }

            @Command(
                    name = "add",
                    description = {
                        "Add an orbit range, e.g. park orbit add lobby --range \"#900-#950\".",
                        "Orbits: up to 9 digits, optionally after * or #; start and end of equal length."
                    })
            static final class Add extends Named {
                @Option(names = "--range", paramLabel = "START-END", description = "The orbits, e.g. #900-#950.")
                String range;

                @Option(
                        names = "--pickup-timeout",
                        paramLabel = "SECONDS",
                        description = "10..600 (default: the pool's).")
                String pickupTimeout;

                @Option(
                        names = "--max-pickup-attempts",
                        paramLabel = "N",
                        description = "Ring-backs to the parker, 1..10 (default: the pool's).")
                String attempts;

                @Option(
                        names = "--on-timeout-uri",
                        paramLabel = "URI",
                        description = "Where an unanswered parked call goes (default: the pool's).")
                String onTimeoutUri;

                @Override
                int talk(Client client) throws IOException, InterruptedException {
                    String name = name();
                    if (range == null) {
                        throw new UsageError("park orbit add needs --range START-END, e.g. --range \"#900-#950\"");
                    }
                    return print(
                            client,
                            "POST",
                            ParkApi.PREFIX,
                            ParkApi.addBody(name, range, pickupTimeout, attempts, onTimeoutUri),
                            "application/json");
                }
            }

            @Command(name = "list", description = "Orbit ranges and the settings each uses.")
            static final class ListRanges extends NodeCommand {
                @Override
                int talk(Client client) throws IOException, InterruptedException {
                    return print(client, "GET", ParkApi.PREFIX, null, null);
                }
            }

            @Command(name = "remove", description = "Remove an orbit range.")
            static final class Remove extends Named {
                @Override
                int talk(Client client) throws IOException, InterruptedException {
                    return print(client, "DELETE", ParkApi.PREFIX + "/" + segment(name()), null, null);
                }
            }
        }
    }

    /** One path segment, percent-encoded (a space as %20: in a path + is a plus, as in sip:+31...). */
    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The API answers errors as {@code {"error":"..."}}; an operator should read the message, not JSON. */
    static String errorMessage(String body) {
        String error = Json.errorOf(body);
        return error != null ? error : body.trim();
    }

    /**
     * The admin base URL {@code --node} names: a URL as given, {@code host:port} over http, or a number
     * n (1-5) for node n of {@code local-pool} with its documented addresses, http://127.0.0.n:(8079+n).
     */
    static String nodeUrl(String node) {
        if (node.matches("[1-9]")) {
            int n = Integer.parseInt(node);
            if (n > io.switchboard.node.localpool.LocalPool.MAX_NODES) {
                throw new IllegalArgumentException("--node " + node + ": local-pool has nodes 1 to "
                        + io.switchboard.node.localpool.LocalPool.MAX_NODES);
            }
            return io.switchboard.node.localpool.LocalPool.adminUrl(
                    n, io.switchboard.node.localpool.LocalPool.DEFAULT_ADMIN_PORT);
        }
        if (node.startsWith("http://") || node.startsWith("https://")) {
            return node.endsWith("/") ? node.substring(0, node.length() - 1) : node;
        }
        if (node.matches("[^/:\\s]+:\\d{1,5}")) {
            return "http://" + node;
        }
        throw new IllegalArgumentException("--node " + node + ": give a URL (http://127.0.0.1:8080), host:port, "
                + "or a local-pool node number (1-" + io.switchboard.node.localpool.LocalPool.MAX_NODES + ")");
    }

    private static String query(String name, String value) {
        return value == null ? "" : "?" + name + "=" + enc(value);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    record Client(String base, String token) {
        private static final HttpClient HTTP =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        /** A request whose JSON answer the command reads itself. */
        HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
            return send(method, path, null);
        }

        HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create(base + path))
                            .timeout(Duration.ofSeconds(30))
                            .header("Authorization", "Bearer " + token)
                            .header("Content-Type", "text/plain; charset=utf-8")
                            .method(
                                    method,
                                    body == null
                                            ? HttpRequest.BodyPublishers.noBody()
                                            : HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        int print(String method, String path, String body, String contentType, PrintStream out, PrintStream err)
                throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofMinutes(5))
                    .header("Authorization", "Bearer " + token)
                    .header("Accept", "text/plain");
            if (body != null) {
                b.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 400) {
                err.println("error " + r.statusCode() + ": " + errorMessage(r.body()));
                return 1;
            }
            out.print(r.body());
            // A partial import printed its report; the exit code says not everything went in.
            int rejected = Integer.parseInt(
                    r.headers().firstValue(UsersApi.REJECTED_ROWS_HEADER).orElse("0"));
            // Likewise a pool with a member that is not Up.
            int notUp = Integer.parseInt(
                    r.headers().firstValue(PoolApi.NOT_UP_HEADER).orElse("0"));
            return rejected > 0 || notUp > 0 ? 1 : 0;
        }
    }
}
