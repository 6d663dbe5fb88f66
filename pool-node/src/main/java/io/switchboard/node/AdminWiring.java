package io.switchboard.node;

import io.switchboard.conference.entity.Conferences;
import io.switchboard.node.admin.AddressBookApi;
import io.switchboard.node.admin.AdminServer;
import io.switchboard.node.admin.AdminServer.Reply;
import io.switchboard.node.admin.CallSettingsApi;
import io.switchboard.node.admin.ConferencesApi;
import io.switchboard.node.admin.HttpDigestAuthenticator;
import io.switchboard.node.admin.ParkApi;
import io.switchboard.node.admin.PoolApi;
import io.switchboard.node.admin.PresenceApi;
import io.switchboard.node.admin.RegistrationsApi;
import io.switchboard.node.admin.UsersApi;
import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.config.ParkConfig;
import io.switchboard.node.config.SitesConfig;
import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.presence.entity.EntityPresenceAdmin;
import io.switchboard.registrar.entity.RegistrarClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** The admin port's routing table: which API answers which path, and behind which credentials. */
final class AdminWiring {

    private static final Duration POOL_QUERY_TIMEOUT = Duration.ofSeconds(2);

    private AdminWiring() {}

    /**
     * The admin server with every route, not started yet. Closed again when adding a route fails,
     * so a start that fails here leaves no listening socket behind.
     *
     * @param readiness answers {@code /health/ready}
     * @param lookups   bindings as the proxy reads them ({@code /api/registrations})
     */
    static AdminServer build(
            NodeConfig config,
            NodeMetrics metrics,
            Supplier<Reply> readiness,
            StorageWiring.Stores stores,
            RegistrarClient lookups,
            SipWiring.Cluster cluster,
            NodeAuth auth,
            Clock clock,
            AddressBookApi addressBook,
            java.util.function.Function<String, io.switchboard.node.site.LinkWatch> siteLinks,
            java.util.function.Function<String, io.switchboard.node.site.ReplicationHealth.Report> replication) {
        // a branch user's account and call settings change at the pool only while her branch answers
        java.util.function.Function<String, java.util.Optional<String>> siteRefusal =
                new io.switchboard.node.site.BranchChanges(siteLinks)::refusal;
        UsersApi users = new UsersApi(
                stores.accounts(), stores.accountRules(), config.domains(), clock, stores.orbitRanges(), siteRefusal);
        RegistrationsApi registrations = new RegistrationsApi(lookups, clock);
        CallSettingsApi callSettingsApi =
                new CallSettingsApi(stores.callSettings(), stores.accounts(), clock, siteRefusal);
        NodeConfig.Admin ac = config.admin();
        AdminServer admin;
        try {
            admin = new AdminServer(
                    ac.bindAddress(),
                    ac.port(),
                    ac.token(),
                    Map.of(
                            "/health/alive",
                            c -> done(Reply.text(200, "alive\n")),
                            "/health/ready",
                            c -> done(readiness.get()),
                            "/metrics",
                            c -> done(new Reply(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()))),
                    Map.of(
                            "/api/users",
                            atThePool(config, users::users),
                            "/api/registrations",
                            registrations::registrations,
                            "/api/call-settings",
                            callSettingsApi::callSettings,
                            "/api/pool",
                            new PoolApi(
                                    cluster.system(),
                                    cluster.directory(),
                                    POOL_QUERY_TIMEOUT,
                                    PoolApi.sites(
                                            SitesConfig.of(config),
                                            config.storage().keyspace()),
                                    siteLinks,
                                    replication,
                                    clock)::pool,
                            "/api/users/move",
                            atThePool(config, users::move)),
                    new AdminServer.Limits(
                            ac.maxBody(),
                            ac.maxImportBody(),
                            ac.readTimeout(),
                            ac.importReadTimeout(),
                            ac.healthPort()));
        } catch (java.io.IOException e) {
            throw new ConfigError(
                    ac.healthPort() > 0 ? "switchboard.admin.port / health-port" : "switchboard.admin.port",
                    "cannot listen on " + ac.bindAddress() + ":" + ac.port()
                            + (ac.healthPort() > 0 ? " and " + ac.healthPort() : "") + " (" + e.getMessage() + ")");
        }
        try {
            admin.secureBulk(
                    "/api/users/import",
                    atThePool(config, users::importCsv)); // the CSV import's own, larger body limit
            // /api/presence (admin token) and /user/presence (users' own HTTP Digest, their SIP credentials)
            HttpDigestAuthenticator userAuth = new HttpDigestAuthenticator(
                    stores.accounts(), config.domains(), auth.challenger(), auth.verifier(), auth.throttle(), clock);
            new PresenceApi(new EntityPresenceAdmin(cluster.presence()), stores.accounts(), config.domains())
                    .register(admin, userAuth);
            // /api/address-book (admin token) and /user/address-book (the same users' HTTP Digest)
            addressBook.register(admin, userAuth);

            new ParkApi(
                            stores.orbitRanges(),
                            stores.accounts(),
                            config.domains(),
                            ParkConfig.of(config).defaults(),
                            stores.parkedCalls())
                    .register(admin);
            // /api/conferences (admin token): the conferencing focus's operators' API
            new ConferencesApi(
                            Conferences.sharded(cluster.system(), EntityTuning.CONFERENCE_ASK_TIMEOUT),
                            stores.conferences(),
                            config.domains(),
                            clock)
                    .register(admin, userAuth); // and /user/conferences: users schedule their own
            return admin;
        } catch (RuntimeException e) {
            admin.close();
            throw e;
        }
    }

    /**
     * On a branch node, accounts are read but changed at the pool only (README, "Sites and branches"): the pool
     * writes the directory and the site's copy together (SiteAccountStore), which a branch node, without the
     * pool's keyspace, cannot. Elsewhere the route as it is.
     */
    static AdminServer.Route atThePool(NodeConfig config, AdminServer.Route route) {
        io.switchboard.node.config.RoleConfig role = io.switchboard.node.config.RoleConfig.of(config);
        if (!role.isBranch()) {
            return route;
        }
        String site = role.site().orElseThrow().name();
        return call -> "GET".equals(call.method())
                ? route.handle(call)
                : done(Reply.json(
                        409,
                        io.switchboard.node.admin.Json.write(Map.of(
                                "error",
                                "this is branch " + site + "'s node: add, change and move users at the pool"))));
    }

    private static CompletionStage<Reply> done(Reply r) {
        return CompletableFuture.completedFuture(r);
    }
}
