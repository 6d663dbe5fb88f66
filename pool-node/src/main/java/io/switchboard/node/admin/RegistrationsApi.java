package io.switchboard.node.admin;

import io.switchboard.node.admin.AdminServer.Call;
import io.switchboard.node.admin.AdminServer.Reply;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.entity.RegistrarEntity;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code GET /api/registrations?aor=sip:alice@example.test}: the AOR's bindings, asked of its entity. */
public final class RegistrationsApi {

    private final RegistrarClient registrar;
    private final Clock clock;

    public RegistrationsApi(RegistrarClient registrar, Clock clock) {
        this.registrar = registrar;
        this.clock = clock;
    }

    public CompletionStage<Reply> registrations(Call call) {
        if (!"GET".equals(call.method())) {
            return CompletableFuture.completedFuture(
                    Reply.methodNotAllowed("GET", "Use GET with ?aor=sip:user@domain"));
        }
        String aor = call.param("aor");
        if (aor == null || !aor.matches("sips?:[^@\\s]+@[^@\\s;?]+")) {
            return CompletableFuture.completedFuture(Reply.error(400, "Give ?aor=sip:user@domain"));
        }
        String canonical = "sip:" + aor.substring(aor.indexOf(':') + 1, aor.indexOf('@')) + "@"
                + aor.substring(aor.indexOf('@') + 1).toLowerCase(Locale.ROOT);
        return registrar.bindings(canonical).thenApply(reply -> {
            if (reply instanceof RegistrarEntity.Unavailable u) {
                return Reply.error(503, u.reason());
            }
            List<Binding> bindings = ((RegistrarEntity.CurrentBindings) reply).bindings();
            Instant now = clock.instant();
            return call.wantsText()
                    ? Reply.text(200, table(canonical, bindings, now))
                    : Reply.json(200, Json.write(body(canonical, bindings, now)));
        });
    }

    private static Map<String, Object> body(String aor, List<Binding> bindings, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("aor", aor);
        m.put("bindings", bindings.stream().map(b -> json(b, now)).toList());
        return m;
    }

    private static Map<String, Object> json(Binding b, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("contact", b.contact());
        m.put("transport", b.flow().transport());
        m.put("source", b.flow().source());
        m.put("node", b.flow().node());
        m.put("expires", b.secondsLeft(now));
        m.put("expires_at", b.expiresAt().toString());
        m.put("q", b.q() / 1000.0);
        m.put("instance", b.instanceId());
        m.put("reg_id", b.regId());
        m.put("user_agent", b.userAgent());
        m.put("call_id", b.callId());
        m.put("cseq", b.cseq());
        m.put("path", List.copyOf(b.path()));
        return m;
    }

    private static String table(String aor, List<Binding> bindings, Instant now) {
        StringBuilder s = new StringBuilder();
        s.append(aor)
                .append(": ")
                .append(bindings.size())
                .append(bindings.size() == 1 ? " binding" : " bindings")
                .append('\n');
        if (bindings.isEmpty()) {
            return s.toString();
        }
        s.append(String.format(
                "%-48s %-9s %-22s %-10s %7s  %-44s %s%n",
                "CONTACT", "TRANSPORT", "SOURCE", "NODE", "EXPIRES", "INSTANCE", "USER-AGENT"));
        for (Binding b : bindings) {
            s.append(String.format(
                    "%-48s %-9s %-22s %-10s %6ds  %-44s %s%n",
                    b.contact(),
                    b.flow().transport(),
                    b.flow().source(),
                    b.flow().node(),
                    b.secondsLeft(now),
                    b.instanceId() == null ? "-" : b.instanceId(),
                    b.userAgent().isEmpty() ? "-" : b.userAgent()));
        }
        return s.toString();
    }
}
