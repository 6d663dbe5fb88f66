package io.switchboard.node.cli;

import java.io.IOException;
import java.io.PrintStream;
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
import java.util.stream.Collectors;

import io.switchboard.node.admin.CallSettingsApi;
import io.switchboard.node.admin.Json;
import io.switchboard.node.admin.PoolApi;
import io.switchboard.node.admin.PresenceApi;
import io.switchboard.node.admin.UsersApi;
import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;

/**
 * The admin CLI: talks to a running node's admin HTTP API. The node address and token come from
 * {@code --node URL} / {@code --token T}, else from the config file ({@code --config FILE}, default
 * {@code conf/switchboard.conf}), else the built-in defaults.
 */
public final class AdminCli {

    static final String USAGE = """
            usage: switchboard <command> [options]
              start [--config FILE]                         run a pool node
              user add URI --password P [--name N] [--phone E164]
              user import FILE.csv                          header: uri,password,display_name,phone;
                                                            exit code 1 when any row was rejected
              user list [--domain D]
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
              local-pool [--nodes N]                        run N nodes (1-5, default 3) on 127.0.0.1..N over one
                                                            embedded Cassandra (local-pool --help for options)
            options for the admin commands:
              --config FILE   read admin address and token from this node config (default conf/switchboard.conf)
              --node NODE     the node to talk to: a URL (http://127.0.0.1:8080), host:port (127.0.0.2:8081),
                              or a local-pool node number (2 = http://127.0.0.2:8081); default: the config's
                              admin address (local-pool node 1 for conf/switchboard.conf)
              --token TOKEN   admin token (switchboard.admin.token)
            """;

    private AdminCli() {
    }

    public static int run(String[] argv, PrintStream out, PrintStream err) {
        List<String> args = new ArrayList<>(List.of(argv));
        Map<String, String> opts = new LinkedHashMap<>();
        // options that may be repeated (--group) keep every value here; opts has the last
        Map<String, List<String>> repeated = new LinkedHashMap<>();
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--")) {
                if (i + 1 >= args.size()) {
                    err.println("option " + a + " needs a value\n" + USAGE);
                    return 2;
                }
                opts.put(a.substring(2), args.get(++i));
                repeated.computeIfAbsent(a.substring(2), k -> new ArrayList<>()).add(args.get(i));
            } else {
                words.add(a);
            }
        }
        if (words.isEmpty() || words.get(0).equals("help") || words.get(0).equals("--help")) {
            out.print(USAGE);
            return words.isEmpty() ? 2 : 0;
        }
        String base;
        String token;
        try {
            // An explicit --config must exist; the default one may be absent (then the defaults apply).
            Path config = Path.of(opts.getOrDefault("config", "conf/switchboard.conf"));
            NodeConfig c = NodeConfig.load(opts.containsKey("config") || Files.isRegularFile(config) ? config : null);
            String host = c.admin().bindAddress().equals("0.0.0.0") ? "127.0.0.1" : c.admin().bindAddress();
            base = opts.containsKey("node") ? nodeUrl(opts.get("node")) : "http://" + host + ":" + c.admin().port();
            token = opts.getOrDefault("token", c.admin().token());
        } catch (ConfigError | IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        Client client = new Client(base, token);
        try {
            return switch (String.join(" ", words.subList(0, Math.min(2, words.size())))) {
                case "user add" -> userAdd(client, words, opts, out, err);
                case "user import" -> userImport(client, words, out, err);
                case "user list" -> client.print("GET", "/api/users" + query("domain", opts.get("domain")), null, null, out, err);
                case "call-settings show", "call-settings set", "call-settings clear" -> callSettings(client, words, opts, out, err);
                case "pool status" -> client.print("GET", "/api/pool", null, null, out, err);
                case "presence show", "presence access", "presence contacts" ->
                        presence(client, words, opts, repeated.getOrDefault("group", List.of()), out, err);
                default -> {
                    if (words.get(0).equals("registrations") && words.size() == 2) {
                        yield client.print("GET", "/api/registrations" + query("aor", words.get(1)), null, null, out, err);
                    }
                    err.print("unknown command: " + String.join(" ", words) + "\n" + USAGE);
                    yield 2;
                }
            };
        } catch (IOException e) {
            err.println("cannot reach the node at " + base + ": " + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()) + " (is it running? see --node)");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static int userAdd(Client client, List<String> words, Map<String, String> opts, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        if (words.size() != 3 || !opts.containsKey("password")) {
            err.print("user add needs a URI and --password\n" + USAGE);
            return 2;
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("uri", words.get(2));
        form.put("password", opts.get("password"));
        form.put("display_name", opts.getOrDefault("name", ""));
        form.put("phone", opts.getOrDefault("phone", ""));
        String body = form.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        return client.print("POST", "/api/users", body, "application/x-www-form-urlencoded", out, err);
    }

    private static int callSettings(Client client, List<String> words, Map<String, String> opts, PrintStream out,
            PrintStream err) throws IOException, InterruptedException {
        String verb = words.get(1);
        if (words.size() != 3) {
            err.print("call-settings " + verb + " needs exactly one AOR, e.g. sip:alice@example.test\n" + USAGE);
            return 2;
        }
        String path = "/api/call-settings" + query("aor", words.get(2));
        if (verb.equals("show")) {
            return client.print("GET", path, null, null, out, err);
        }
        if (verb.equals("clear")) {
            return client.print("DELETE", path, null, null, out, err);
        }
        for (String option : opts.keySet()) {
            // a mistyped option must not be dropped silently while the others are applied
            if (!List.of("sim-ring", "forward", "to", "after", "config", "node", "token").contains(option)) {
                err.print("call-settings set does not know --" + option + "\n" + USAGE);
                return 2;
            }
        }
        String simRing = opts.get("sim-ring");
        String forward = opts.get("forward");
        String to = opts.get("to");
        String after = opts.get("after");
        if (simRing == null && forward == null && to == null && after == null) {
            err.print("call-settings set needs at least one of --sim-ring, --forward, --to, --after\n" + USAGE);
            return 2;
        }
        return client.print("PATCH", path, CallSettingsApi.editBody(simRing, forward, to, after), "application/json", out, err);
    }

    private static int presence(Client client, List<String> words, Map<String, String> opts, List<String> groups,
            PrintStream out, PrintStream err) throws IOException, InterruptedException {
        String verb = words.get(1);
        if (words.size() < 3) {
            err.print("presence " + verb + " needs a user's AOR, e.g. sip:alice@example.test\n" + USAGE);
            return 2;
        }
        List<String> known = new ArrayList<>(List.of("config", "node", "token"));
        String base = PresenceApi.ADMIN_PREFIX + "/" + segment(words.get(2));
        List<String> rest = words.subList(3, words.size());
        String action = String.join(" ", rest.subList(0, Math.min(1, rest.size())));
        int exit;
        switch (verb + " " + action + " " + rest.size()) {
            case "show  0" -> {
                known.add("watcher");
                exit = unknownOption(opts, known, "presence show", err);
                if (exit == 0) {
                    return client.print("GET", base + query("watcher", opts.get("watcher")), null, null, out, err);
                }
            }
            case "access  0" -> {
                exit = unknownOption(opts, known, "presence access", err);
                if (exit == 0) {
                    return client.print("GET", base + "/access", null, null, out, err);
                }
            }
            case "access set 3" -> {
                exit = unknownOption(opts, known, "presence access set", err);
                if (exit == 0) {
                    // the API answers with the whole policy; the operator sees the result at once
                    return client.print("PUT", base + "/access/" + segment(rest.get(1)), PresenceApi.levelBody(rest.get(2)),
                            "application/json", out, err);
                }
            }
            case "access clear 2" -> {
                exit = unknownOption(opts, known, "presence access clear", err);
                if (exit == 0) {
                    return client.print("DELETE", base + "/access/" + segment(rest.get(1)), null, null, out, err);
                }
            }
            case "contacts  0" -> {
                exit = unknownOption(opts, known, "presence contacts", err);
                if (exit == 0) {
                    return client.print("GET", base + "/contacts", null, null, out, err);
                }
            }
            case "contacts add 2" -> {
                known.addAll(List.of("name", "group"));
                exit = unknownOption(opts, known, "presence contacts add", err);
                if (exit == 0) {
                    return client.print("PUT", base + "/contacts/" + segment(rest.get(1)),
                            PresenceApi.contactBody(opts.get("name"), groups), "application/json", out, err);
                }
            }
            case "contacts remove 2" -> {
                exit = unknownOption(opts, known, "presence contacts remove", err);
                if (exit == 0) {
                    return client.print("DELETE", base + "/contacts/" + segment(rest.get(1)), null, null, out, err);
                }
            }
            default -> {
                err.print("unknown command: " + String.join(" ", words) + "\n" + USAGE);
                exit = 2;
            }
        }
        return exit;
    }

    /** 0, or 2 after saying so when an option is not one of {@code known}: a typo must not be dropped silently. */
    private static int unknownOption(Map<String, String> opts, List<String> known, String command, PrintStream err) {
        for (String option : opts.keySet()) {
            if (!known.contains(option)) {
                err.print(command + " does not know --" + option + "\n" + USAGE);
                return 2;
            }
        }
        return 0;
    }

    /** One path segment, percent-encoded (a space as %20: in a path + is a plus, as in sip:+31...). */
    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static int userImport(Client client, List<String> words, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        if (words.size() != 3) {
            err.print("user import needs a CSV file\n" + USAGE);
            return 2;
        }
        Path file = Path.of(words.get(2));
        if (!Files.isReadable(file)) {
            err.println("cannot read " + file);
            return 2;
        }
        return client.print("POST", "/api/users/import", Files.readString(file, StandardCharsets.UTF_8), "text/csv", out, err);
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
            return io.switchboard.node.localpool.LocalPool.adminUrl(n, io.switchboard.node.localpool.LocalPool.DEFAULT_ADMIN_PORT);
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

    private record Client(String base, String token) {
        private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

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
            int rejected = Integer.parseInt(r.headers().firstValue(UsersApi.REJECTED_ROWS_HEADER).orElse("0"));
            // Likewise a pool with a member that is not Up.
            int notUp = Integer.parseInt(r.headers().firstValue(PoolApi.NOT_UP_HEADER).orElse("0"));
            return rejected > 0 || notUp > 0 ? 1 : 0;
        }
    }
}
