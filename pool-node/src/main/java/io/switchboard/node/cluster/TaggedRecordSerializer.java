package io.switchboard.node.cluster;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The evolvable encoding of every record that crosses nodes (docs/architecture.md, "Cluster message
 * formats"): each component travels as its tag (the hash of its name), the length of its value
 * and the value, so a node reading a record of another version takes the components it knows by
 * tag, skips the ones it does not, and gives the ones that did not arrive their empty value. A
 * record can gain a component, or lose one, and nodes of both versions still read each other's
 * messages during a rolling upgrade.
 *
 * <p>Per record: {@code varint count}, then per component, in name order: {@code int tag},
 * {@code int length}, the value as {@code writeClassAndObject}. The length is back-patched into
 * the buffer, so no value is copied.
 *
 * <p>A component missing from the bytes is: {@code Optional.empty()}, {@code OptionalLong.empty()},
 * an empty list, set or map, {@code 0} / {@code false} for a primitive, else {@code null}. A
 * component added to a message must mean "as before" for those values.
 */
final class TaggedRecordSerializer<T extends Record> extends Serializer<T> {

    /** One component as the reader's class has it; {@code accessor} is {@code (Object) -> Object}. */
    private record Component(String name, int tag, Class<?> type, MethodHandle accessor, Object absent) {}

    private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);

    /** The components in declaration order: the canonical constructor's parameter order. */
    private final Component[] declaredOrder;
    /** The writer's order: by name, so the bytes do not depend on declaration order. */
    private final Component[] byName;

    private final Map<Integer, Integer> indexByTag;
    /** The canonical constructor as {@code (Object[]) -> Object}. */
    private final MethodHandle constructor;

    TaggedRecordSerializer(Class<T> type) {
        super(false, true);
        RecordComponent[] declared = type.getRecordComponents();
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        try {
            Class<?>[] parameterTypes =
                    Arrays.stream(declared).map(RecordComponent::getType).toArray(Class<?>[]::new);
            var canonical = type.getDeclaredConstructor(parameterTypes);
            canonical.setAccessible(true);
            this.constructor = lookup.unreflectConstructor(canonical)
                    .asType(MethodType.methodType(Object.class, parameterTypesAsObjects(declared.length)))
                    .asSpreader(Object[].class, declared.length);
            Component[] components = new Component[declared.length];
            for (int i = 0; i < declared.length; i++) {
                RecordComponent c = declared[i];
                var accessor = c.getAccessor();
                accessor.setAccessible(true);
                components[i] = new Component(
                        c.getName(),
                        tag(c.getName()),
                        c.getType(),
                        lookup.unreflect(accessor).asType(GETTER),
                        absent(c.getType()));
            }
            this.byName = components.clone();
            Arrays.sort(byName, Comparator.comparing(Component::name));
            java.util.HashMap<Integer, Integer> tags = new java.util.HashMap<>();
            for (int i = 0; i < components.length; i++) {
                if (tags.put(components[i].tag(), i) != null) {
                    throw new IllegalArgumentException(type.getName() + ": two components have the tag of "
                            + components[i].name() + "; rename one");
                }
            }
            this.indexByTag = Map.copyOf(tags);
            this.declaredOrder = components;
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot serialize record " + type.getName(), e);
        }
    }

    private static Class<?>[] parameterTypesAsObjects(int n) {
        Class<?>[] types = new Class<?>[n];
        Arrays.fill(types, Object.class);
        return types;
    }

    /** A component's tag: its name's hash, stable across JVMs and versions (String.hashCode is specified). */
    static int tag(String componentName) {
        return componentName.hashCode();
    }

    @Override
    public void write(Kryo kryo, Output output, T record) {
        output.writeVarInt(byName.length, true);
        for (Component c : byName) {
            Object value;
            try {
                value = (Object) c.accessor().invokeExact((Object) record);
            } catch (Throwable e) {
                throw new KryoException("cannot read component " + c.name() + " of " + record.getClass(), e);
            }
            output.writeInt(c.tag());
            int lengthAt = output.position();
            output.writeInt(0);
            kryo.writeClassAndObject(output, value);
            int length = output.position() - lengthAt - 4;
            // back-patch the length, in the byte order Output.writeInt uses
            int end = output.position();
            output.setPosition(lengthAt);
            output.writeInt(length);
            output.setPosition(end);
        }
    }

    @Override
    public T read(Kryo kryo, Input input, Class<? extends T> type) {
        Object[] values = new Object[declaredOrder.length];
        boolean[] seen = new boolean[declaredOrder.length];
        int count = input.readVarInt(true);
        for (int i = 0; i < count; i++) {
            int tag = input.readInt();
            int length = input.readInt();
            Integer index = indexByTag.get(tag);
            if (index == null) {
                input.skip(length); // a component of a newer (or older) version of this record
                continue;
            }
            int start = input.position();
            values[index] = kryo.readClassAndObject(input);
            seen[index] = true;
            if (input.position() - start != length) {
                throw new KryoException(type.getName() + "." + declaredOrder[index].name() + ": read "
                        + (input.position() - start) + " bytes of " + length
                        + " (the component changed its type, which is not an evolution this format allows)");
            }
        }
        for (int i = 0; i < values.length; i++) {
            if (!seen[i]) {
                values[i] = declaredOrder[i].absent();
            }
        }
        try {
            @SuppressWarnings("unchecked")
            T record = (T) (Object) constructor.invokeExact(values);
            return record;
        } catch (Throwable e) {
            throw new KryoException("cannot construct " + type.getName() + " from " + Arrays.toString(values), e);
        }
    }

    /** What a component that did not arrive becomes (see the class comment). */
    static Object absent(Class<?> type) {
        if (type == Optional.class) {
            return Optional.empty();
        }
        if (type == OptionalLong.class) {
            return OptionalLong.empty();
        }
        if (type == List.class) {
            return List.of();
        }
        if (type == Set.class) {
            return Set.of();
        }
        if (type == Map.class) {
            return Map.of();
        }
        if (type == boolean.class) {
            return false;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == double.class) {
            return 0.0d;
        }
        if (type == float.class) {
            return 0.0f;
        }
        if (type == short.class) {
            return (short) 0;
        }
        if (type == byte.class) {
            return (byte) 0;
        }
        if (type == char.class) {
            return (char) 0;
        }
        return null;
    }
}
