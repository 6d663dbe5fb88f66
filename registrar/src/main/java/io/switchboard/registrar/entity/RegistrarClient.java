package io.switchboard.registrar.entity;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

import io.switchboard.registrar.domain.RegisterRequest;

/**
 * How the SIP edge and the admin API talk to registrar entities, wherever in the cluster they
 * live. Asks never block the caller's thread; a timeout completes the stage exceptionally.
 */
public interface RegistrarClient {

    CompletionStage<RegistrarEntity.RegisterReply> register(RegisterRequest request);

    CompletionStage<RegistrarEntity.BindingsReply> bindings(String aor);

    /** The client over cluster sharding. */
    static RegistrarClient sharded(ActorSystem<?> system, Duration askTimeout) {
        ClusterSharding sharding = ClusterSharding.get(system);
        return new RegistrarClient() {
            @Override
            public CompletionStage<RegistrarEntity.RegisterReply> register(RegisterRequest request) {
                return sharding.entityRefFor(RegistrarEntity.ENTITY_KEY, request.aor())
                        .ask(replyTo -> new RegistrarEntity.Register(request, replyTo), askTimeout);
            }

            @Override
            public CompletionStage<RegistrarEntity.BindingsReply> bindings(String aor) {
                return sharding.entityRefFor(RegistrarEntity.ENTITY_KEY, aor)
                        .ask(RegistrarEntity.GetBindings::new, askTimeout);
            }
        };
    }
}
