package io.switchboard.node.cluster;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.SerializerFactory;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.registrar.domain.ContactSpec;
import io.switchboard.registrar.domain.RegisterDecision;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.sip.flow.Flow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * The classes that cross nodes, each with a fixed id. Ids are part of the wire format between
 * nodes of different versions during a rolling upgrade: append new ones, never renumber.
 */
public final class KryoRegistrations {

    private KryoRegistrations() {}

    public static Kryo newKryo(ExtendedActorSystem system) {
        Kryo kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        // Every record of ours travels tagged, so it can gain or lose components across versions
        // (TaggedRecordSerializer); set before the registrations, which take the default serializer.
        kryo.addDefaultSerializer(Record.class, new SerializerFactory.BaseSerializerFactory<Serializer<?>>() {
            @Override
            @SuppressWarnings({"unchecked", "rawtypes"})
            public Serializer<?> newSerializer(Kryo k, Class type) {
                return new TaggedRecordSerializer(type);
            }
        });
        ActorRefResolver resolver = ActorRefResolver.get(Adapter.toTyped(system));
        ActorRefSerializer refs = new ActorRefSerializer(resolver);

        // JDK value types
        kryo.register(Instant.class, new InstantSerializer(), 20);
        kryo.register(OptionalLong.class, new OptionalLongSerializer(), 21);
        ImmutableListSerializer lists = new ImmutableListSerializer();
        kryo.register(List.of().getClass(), lists, 22);
        kryo.register(List.of(1).getClass(), lists, 23);
        kryo.register(List.of(1, 2, 3).getClass(), lists, 24);
        kryo.register(ArrayList.class, 25);
        kryo.register(String[].class, 26);
        // typed ActorRefs travel as their serialization format (path with uid)
        kryo.addDefaultSerializer(ActorRef.class, refs);
        kryo.register(Adapter.toTyped(system.deadLetters()).getClass(), refs, 27);
        kryo.register(refClass("org.apache.pekko.actor.typed.internal.adapter.ActorRefAdapter"), refs, 28);

        // entity-kit: the due sweeper's wake-up, sent through sharding to any node
        kryo.register(io.switchboard.entity.ShardedEntities.Wake.class, 60);

        // registrar
        kryo.register(RegisterRequest.class, 100);
        kryo.register(ContactSpec.class, 101);
        kryo.register(Flow.class, 102);
        kryo.register(Binding.class, 103);
        kryo.register(BindingKey.class, 104);
        kryo.register(RegisterDecision.Accepted.class, 105);
        kryo.register(RegisterDecision.Rejected.class, 106);
        kryo.register(RegisterDecision.Rejection.class, 107);
        kryo.register(RegistrarEntity.Register.class, 110);
        kryo.register(RegistrarEntity.GetBindings.class, 111);
        kryo.register(RegistrarEntity.Registered.class, 112);
        kryo.register(RegistrarEntity.Refused.class, 113);
        kryo.register(RegistrarEntity.Unavailable.class, 114);
        kryo.register(RegistrarEntity.CurrentBindings.class, 115);
        kryo.register(RegistrarEntity.RegisterBefore.class, 116);

        // presence (500-559)
        ImmutableMapSerializer maps = new ImmutableMapSerializer();
        kryo.register(java.util.Map.of().getClass(), maps, 29);
        kryo.register(java.util.Map.of(1, 1).getClass(), maps, 30);
        kryo.register(java.util.Map.of(1, 1, 2, 2).getClass(), maps, 31);
        kryo.register(io.switchboard.presence.domain.Availability.class, 500);
        kryo.register(io.switchboard.presence.domain.MachineState.class, 501);
        kryo.register(io.switchboard.presence.domain.AccessLevel.class, 502);
        kryo.register(io.switchboard.presence.domain.UserChoice.class, 503);
        kryo.register(io.switchboard.presence.domain.PublishedState.class, 504);
        kryo.register(io.switchboard.presence.domain.PublishRequest.class, 505);
        kryo.register(io.switchboard.presence.domain.PresenceView.class, 506);
        kryo.register(io.switchboard.presence.domain.AccessPolicy.class, 507);
        kryo.register(io.switchboard.presence.domain.Subscription.class, 508);
        // 509 was presence's NotifyFlow, now the one sip.flow.Flow registered as 102: never reuse 509
        kryo.register(io.switchboard.presence.domain.Contact.class, 510);
        kryo.register(io.switchboard.presence.domain.ContactList.class, 511);
        kryo.register(io.switchboard.presence.entity.Endpoint.class, 512);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.Publish.class, 520);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.EndpointsChanged.class, 521);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.Watch.class, 522);
        // issue 17, item 5: a watch's lifetime rather than an instant of the watcher's node
        kryo.register(io.switchboard.presence.entity.PresentityEntity.WatchFor.class, 740);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.Unwatch.class, 523);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.Ack.class, 524);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.GetView.class, 525);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.GetAccess.class, 526);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.SetAccess.class, 527);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.Published.class, 528);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.PublishRefused.class, 529);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.Unavailable.class, 530);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.Watching.class, 531);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.CurrentView.class, 532);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.CurrentAccess.class, 533);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.Subscribe.class, 540);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.Refresh.class, 541);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.PresenceChanged.class, 542);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.Revoked.class, 543);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.GetContacts.class, 544);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.PutContact.class, 545);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.RemoveContact.class, 546);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.Subscribed.class, 547);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.SubscribeRefused.class, 548);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.Unavailable.class, 549);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.Contacts.class, 550);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.Revoke.class, 534);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.NotWatched.class, 535);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.ContactsRefused.class, 551);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.SubscribeBefore.class, 552);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.RefreshBefore.class, 553);

        // call park (600-649); Optional and Duration are parts of its values
        kryo.register(java.util.Optional.class, new OptionalSerializer(), 600);
        kryo.register(java.time.Duration.class, new DurationSerializer(), 601);
        kryo.register(io.switchboard.park.domain.Orbit.class, 602);
        kryo.register(io.switchboard.park.domain.RangeOverrides.class, 603);
        kryo.register(io.switchboard.park.domain.OrbitRange.class, 604);
        kryo.register(io.switchboard.park.domain.ParkSettings.class, 605);
        kryo.register(io.switchboard.park.domain.CallerIdentity.class, 606);
        kryo.register(io.switchboard.park.domain.ParkedCall.class, 607);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.ParkRequest.class, 610);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.Park.class, 611);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.Retrieve.class, 612);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.GetParked.class, 613);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.Parked.class, 614);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.ParkRefused.class, 615);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.Reason.class, 616);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.Retrieved.class, 617);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.NotParked.class, 618);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.Current.class, 619);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.Unavailable.class, 620);
        kryo.register(io.switchboard.park.sip.ParkPeers.TakeRetrieve.class, 621);
        kryo.register(io.switchboard.park.sip.ParkPeers.HangUp.class, 622);
        kryo.register(io.switchboard.park.sip.ParkPeers.NotHeld.class, 623);
        kryo.register(io.switchboard.park.sip.ParkPeers.Joined.class, 624);
        kryo.register(io.switchboard.park.sip.ParkPeers.Failed.class, 625);
        kryo.register(io.switchboard.park.sip.ParkPeers.RingBack.class, 626);
        kryo.register(io.switchboard.park.sip.ParkPeers.GaveUp.class, 627);
        // call park takeover
        kryo.register(io.switchboard.park.domain.CallerHold.class, 628);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.ParkHeld.class, 629);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.TakeOver.class, 630);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.TakenOver.class, 631);
        kryo.register(io.switchboard.park.entity.ParkedCallEntity.HeldElsewhere.class, 632);

        // conferencing focus (650-699); the JDK collections its values hold first
        ImmutableSetSerializer sets = new ImmutableSetSerializer();
        kryo.register(java.util.Set.of().getClass(), sets, 650);
        kryo.register(java.util.Set.of(1).getClass(), sets, 651);
        kryo.register(
                java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>())
                        .getClass(),
                new OrderedMapSerializer(),
                652);
        kryo.register(io.switchboard.conference.domain.AccessType.class, 653);
        kryo.register(io.switchboard.conference.domain.Presenters.class, 654);
        kryo.register(io.switchboard.conference.domain.Expiry.Scheduled.class, 655);
        kryo.register(io.switchboard.conference.domain.Expiry.AdHoc.class, 656);
        kryo.register(io.switchboard.conference.domain.Conference.class, 657);
        kryo.register(io.switchboard.conference.domain.JoinerKind.class, 658);
        kryo.register(io.switchboard.conference.domain.Joiner.class, 659);
        kryo.register(io.switchboard.conference.domain.Role.class, 660);
        kryo.register(io.switchboard.conference.domain.ParticipantStatus.class, 661);
        kryo.register(io.switchboard.conference.domain.LobbyReason.class, 662);
        kryo.register(io.switchboard.conference.domain.Participant.class, 663);
        kryo.register(io.switchboard.conference.domain.Roster.class, 664);
        kryo.register(io.switchboard.conference.domain.Actor.Operator.class, 665);
        kryo.register(io.switchboard.conference.domain.Actor.User.class, 666);
        kryo.register(io.switchboard.conference.store.ConferenceStore.Stored.class, 667);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.Create.class, 670);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.Join.class, 671);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.Leave.class, 672);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.Admit.class, 673);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.Deny.class, 674);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.Eject.class, 675);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.SetRole.class, 676);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.SetLocked.class, 677);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.End.class, 678);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.GetConference.class, 679);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.Created.class, 680);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.CreateRefused.class, 681);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.CreateProblem.class, 682);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.Admitted.class, 683);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.InLobby.class, 684);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.JoinRefused.class, 685);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.Done.class, 686);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.ChangeRefused.class, 687);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.Current.class, 688);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.Unavailable.class, 689);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.UseMixer.class, 690);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.MixerChosen.class, 691);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.MoveMixer.class, 692);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.GetMixer.class, 693);
        // conferencing focus, handing a stored dialog over from a live node (700-719)
        kryo.register(io.switchboard.conference.sip.DialogHandover.Release.class, 700);
        kryo.register(io.switchboard.conference.sip.DialogHandover.Released.class, 701);
        kryo.register(io.switchboard.conference.sip.DialogHandover.Acked.class, 702);
        // conferencing focus, dial-out by REFER (760-769)
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.DialOut.class, 760);
        kryo.register(io.switchboard.conference.entity.ConferenceEntity.DialOutAnswered.class, 761);

        // issue 17, item 5: asks carry the time their asker still waits, not an instant of its
        // clock (770-779; the ids before are the conferencing focus's)
        kryo.register(io.switchboard.entity.TimeLeft.class, new TimeLeftSerializer(), 770);
        kryo.register(RegistrarEntity.RegisterWithin.class, 771);
        kryo.register(io.switchboard.presence.entity.PresentityEntity.PublishWithin.class, 772);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.SubscribeWithin.class, 773);
        kryo.register(io.switchboard.presence.entity.WatcherEntity.RefreshWithin.class, 774);

        // pool membership (400-419)
        kryo.register(NodeInfoService.GetNodeInfo.class, 400);
        kryo.register(NodeInfoService.NodeInfo.class, 401);
        return kryo;
    }

    private static Class<?> refClass(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Pekko internals moved: " + name, e);
        }
    }

    private static final class ActorRefSerializer extends Serializer<ActorRef<?>> {
        private final ActorRefResolver resolver;

        ActorRefSerializer(ActorRefResolver resolver) {
            this.resolver = resolver;
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, ActorRef<?> ref) {
            output.writeString(resolver.toSerializationFormat(ref));
        }

        @Override
        public ActorRef<?> read(Kryo kryo, Input input, Class<? extends ActorRef<?>> type) {
            return resolver.resolveActorRef(input.readString());
        }
    }

    private static final class InstantSerializer extends Serializer<Instant> {
        InstantSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, Instant i) {
            output.writeLong(i.getEpochSecond());
            output.writeInt(i.getNano(), true);
        }

        @Override
        public Instant read(Kryo kryo, Input input, Class<? extends Instant> type) {
            return Instant.ofEpochSecond(input.readLong(), input.readInt(true));
        }
    }

    /**
     * The time an asker still waits, as the nanoseconds left on the sender's monotonic clock at
     * the moment the message is written (negative: over), set again on the reader's monotonic
     * clock as it is read: no instant of one node's clock reaches another (docs/architecture.md,
     * rule 10). Its encoding is this one number and does not evolve, like {@link Instant}'s.
     */
    static final class TimeLeftSerializer extends Serializer<io.switchboard.entity.TimeLeft> {
        TimeLeftSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, io.switchboard.entity.TimeLeft left) {
            output.writeVarLong(left.nanosLeft(), false);
        }

        @Override
        public io.switchboard.entity.TimeLeft read(
                Kryo kryo, Input input, Class<? extends io.switchboard.entity.TimeLeft> type) {
            return io.switchboard.entity.TimeLeft.ofNanos(input.readVarLong(false));
        }
    }

    private static final class OptionalLongSerializer extends Serializer<OptionalLong> {
        OptionalLongSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, OptionalLong o) {
            output.writeBoolean(o.isPresent());
            if (o.isPresent()) {
                output.writeLong(o.getAsLong());
            }
        }

        @Override
        public OptionalLong read(Kryo kryo, Input input, Class<? extends OptionalLong> type) {
            return input.readBoolean() ? OptionalLong.of(input.readLong()) : OptionalLong.empty();
        }
    }

    private static final class OptionalSerializer extends Serializer<java.util.Optional<Object>> {
        OptionalSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, java.util.Optional<Object> o) {
            output.writeBoolean(o.isPresent());
            if (o.isPresent()) {
                kryo.writeClassAndObject(output, o.get());
            }
        }

        @Override
        public java.util.Optional<Object> read(
                Kryo kryo, Input input, Class<? extends java.util.Optional<Object>> type) {
            return input.readBoolean()
                    ? java.util.Optional.of(kryo.readClassAndObject(input))
                    : java.util.Optional.empty();
        }
    }

    private static final class DurationSerializer extends Serializer<java.time.Duration> {
        DurationSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, java.time.Duration d) {
            output.writeLong(d.getSeconds());
            output.writeInt(d.getNano(), true);
        }

        @Override
        public java.time.Duration read(Kryo kryo, Input input, Class<? extends java.time.Duration> type) {
            return java.time.Duration.ofSeconds(input.readLong(), input.readInt(true));
        }
    }

    /** {@code List.of(...)} / {@code List.copyOf(...)} lists, which Kryo cannot instantiate itself. */
    private static final class ImmutableListSerializer extends Serializer<List<Object>> {
        ImmutableListSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, List<Object> list) {
            output.writeVarInt(list.size(), true);
            for (Object o : list) {
                kryo.writeClassAndObject(output, o);
            }
        }

        @Override
        public List<Object> read(Kryo kryo, Input input, Class<? extends List<Object>> type) {
            int n = input.readVarInt(true);
            Object[] items = new Object[n];
            for (int i = 0; i < n; i++) {
                items[i] = kryo.readClassAndObject(input);
            }
            return List.of(items);
        }
    }

    private static final class ImmutableMapSerializer extends Serializer<java.util.Map<Object, Object>> {
        ImmutableMapSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, java.util.Map<Object, Object> map) {
            output.writeVarInt(map.size(), true);
            for (java.util.Map.Entry<Object, Object> e : map.entrySet()) {
                kryo.writeClassAndObject(output, e.getKey());
                kryo.writeClassAndObject(output, e.getValue());
            }
        }

        @Override
        public java.util.Map<Object, Object> read(
                Kryo kryo, Input input, Class<? extends java.util.Map<Object, Object>> type) {
            int n = input.readVarInt(true);
            java.util.Map<Object, Object> m = new java.util.HashMap<>(n * 2);
            for (int i = 0; i < n; i++) {
                m.put(kryo.readClassAndObject(input), kryo.readClassAndObject(input));
            }
            return java.util.Map.copyOf(m);
        }
    }

    /** {@code Set.of} / {@code Set.copyOf} sets, read back as such (their iteration order is not kept: none is promised). */
    private static final class ImmutableSetSerializer extends Serializer<java.util.Set<Object>> {
        ImmutableSetSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, java.util.Set<Object> set) {
            output.writeVarInt(set.size(), true);
            for (Object o : set) {
                kryo.writeClassAndObject(output, o);
            }
        }

        @Override
        public java.util.Set<Object> read(Kryo kryo, Input input, Class<? extends java.util.Set<Object>> type) {
            int n = input.readVarInt(true);
            java.util.List<Object> items = new java.util.ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                items.add(kryo.readClassAndObject(input));
            }
            return java.util.Set.copyOf(items);
        }
    }

    /** An unmodifiable view of an insertion-ordered map (a conference roster's legs), read back in the same order. */
    private static final class OrderedMapSerializer extends Serializer<java.util.Map<Object, Object>> {
        OrderedMapSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, java.util.Map<Object, Object> map) {
            output.writeVarInt(map.size(), true);
            for (java.util.Map.Entry<Object, Object> e : map.entrySet()) {
                kryo.writeClassAndObject(output, e.getKey());
                kryo.writeClassAndObject(output, e.getValue());
            }
        }

        @Override
        public java.util.Map<Object, Object> read(
                Kryo kryo, Input input, Class<? extends java.util.Map<Object, Object>> type) {
            int n = input.readVarInt(true);
            java.util.LinkedHashMap<Object, Object> m = new java.util.LinkedHashMap<>(n * 2);
            for (int i = 0; i < n; i++) {
                m.put(kryo.readClassAndObject(input), kryo.readClassAndObject(input));
            }
            return java.util.Collections.unmodifiableMap(m);
        }
    }
}
