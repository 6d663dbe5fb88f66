package io.switchboard.node.cluster;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.JSerializer;

/**
 * Pekko serializer for cluster messages (docs/architecture.md, rule 7) over Kryo. Every class that may cross the
 * wire is registered in {@link KryoRegistrations} with a fixed id, so the bytes carry small integers
 * instead of class names and an unregistered class fails loudly in tests rather than silently on
 * the wire. Kryo instances are not thread-safe: a pool hands one to each serialization.
 */
public final class KryoSerializer extends JSerializer {

    /** Pekko reserves ids 0-40 for itself. */
    public static final int IDENTIFIER = 7_311_001;

    /**
     * The first byte of every message: the format its bytes are in, so a node meets a format it cannot
     * read as a clear error instead of misreading it (docs/architecture.md, "Cluster message formats").
     * 2: records tagged by component ({@link TaggedRecordSerializer}). Format 1, the records' components
     * back to back, had no such byte: its first byte is a class id, never 2 (Kryo's id of {@code int}).
     */
    static final byte FORMAT = 2;

    private final Pool<Kryo> kryos;
    private final Pool<Output> outputs;

    public KryoSerializer(ExtendedActorSystem system) {
        this.kryos = new Pool<>(true, false, 64) {
            @Override
            protected Kryo create() {
                return KryoRegistrations.newKryo(system);
            }
        };
        this.outputs = new Pool<>(true, false, 64) {
            @Override
            protected Output create() {
                return new Output(1024, -1);
            }
        };
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public boolean includeManifest() {
        return false;
    }

    @Override
    public byte[] toBinary(Object o) {
        Kryo kryo = kryos.obtain();
        Output output = outputs.obtain();
        try {
            output.reset();
            output.writeByte(FORMAT);
            kryo.writeClassAndObject(output, o);
            return output.toBytes();
        } finally {
            outputs.free(output);
            kryos.free(kryo);
        }
    }

    @Override
    public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
        if (bytes.length == 0 || bytes[0] != FORMAT) {
            throw new IllegalArgumentException("a cluster message in format "
                    + (bytes.length == 0 ? "(empty)" : Byte.toString(bytes[0])) + "; this node reads format " + FORMAT
                    + ": nodes of releases before the tagged format cannot be mixed with this one in a pool"
                    + " (docs/architecture.md, \"Cluster message formats\")");
        }
        Kryo kryo = kryos.obtain();
        try {
            Input input = new Input(bytes);
            input.setPosition(1);
            return kryo.readClassAndObject(input);
        } finally {
            kryos.free(kryo);
        }
    }
}
