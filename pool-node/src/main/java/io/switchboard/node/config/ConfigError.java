package io.switchboard.node.config;

/** A configuration value that stops startup; the message names the key and what is wrong. */
public final class ConfigError extends RuntimeException {

    public ConfigError(String key, String problem) {
        super("Configuration error at " + key + ": " + problem);
    }

    public ConfigError(String message, Throwable cause) {
        super(message, cause);
    }
}
