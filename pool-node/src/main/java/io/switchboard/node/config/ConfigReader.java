package io.switchboard.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Typed, validated reads from a HOCON tree. Every failure becomes a {@link ConfigError} naming
 * the full key and the problem (Typesafe Config also names the file and line it came from).
 */
final class ConfigReader {

    private final Config config;
    private final String prefix;

    ConfigReader(Config config, String prefix) {
        this.config = config;
        this.prefix = prefix;
    }

    ConfigReader at(String path) {
        return new ConfigReader(config.getConfig(path), key(path));
    }

    String key(String path) {
        return prefix.isEmpty() ? path : prefix + "." + path;
    }

    boolean has(String path) {
        return config.hasPath(path);
    }

    String string(String path) {
        return read(path, () -> config.getString(path));
    }

    String nonEmpty(String path) {
        String s = string(path).trim();
        if (s.isEmpty()) {
            throw new ConfigError(key(path), "must not be empty");
        }
        return s;
    }

    boolean bool(String path) {
        return read(path, () -> config.getBoolean(path));
    }

    int integer(String path, int min, int max) {
        int v = read(path, () -> config.getInt(path));
        if (v < min || v > max) {
            throw new ConfigError(key(path), "must be between " + min + " and " + max + ", was " + v);
        }
        return v;
    }

    int port(String path) {
        return integer(path, 0, 65535);
    }

    Duration duration(String path, Duration min) {
        Duration d = read(path, () -> config.getDuration(path));
        if (d.compareTo(min) < 0) {
            throw new ConfigError(key(path), "must be at least " + min.toSeconds() + "s, was " + d.toSeconds() + "s");
        }
        return d;
    }

    /** A size in bytes ({@code 1048576}, {@code 1m}, {@code 64 MiB}) between {@code min} and {@code max}. */
    long bytes(String path, long min, long max) {
        long v = read(path, () -> config.getBytes(path));
        if (v < min || v > max) {
            throw new ConfigError(key(path), "must be between " + min + " and " + max + " bytes, was " + v);
        }
        return v;
    }

    /** The keys directly under this section (address-book's attributes). */
    java.util.Set<String> keys() {
        return config.root().keySet();
    }

    List<String> strings(String path) {
        return read(path, () -> config.getStringList(path));
    }

    List<? extends Config> objects(String path) {
        return read(path, () -> config.getConfigList(path));
    }

    <E extends Enum<E>> E oneOf(String path, Class<E> type) {
        String v = string(path);
        try {
            return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(
                    key(path),
                    "must be one of "
                            + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT) + ", was \""
                            + v + "\"");
        }
    }

    String matching(String path, Predicate<String> ok, String expectation) {
        String v = string(path);
        if (!ok.test(v)) {
            throw new ConfigError(key(path), expectation + ", was \"" + v + "\"");
        }
        return v;
    }

    private <T> T read(String path, java.util.function.Supplier<T> reader) {
        try {
            return reader.get();
        } catch (ConfigException.Missing e) {
            throw new ConfigError(key(path), "is missing");
        } catch (ConfigException.WrongType e) {
            throw new ConfigError(key(path), "has the wrong type (" + e.getMessage() + ")");
        } catch (ConfigException.BadValue e) {
            throw new ConfigError(key(path), "has a bad value (" + e.getMessage() + ")");
        }
    }
}
