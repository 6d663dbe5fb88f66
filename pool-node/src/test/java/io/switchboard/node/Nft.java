package io.switchboard.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code nft} for the tests that cut traffic with a table of their own (LoopbackPartition,
 * WanCut): where the binary is, and running it with the table's commands.
 */
public final class Nft {

    private Nft() {}

    /** The {@code nft} binary, or null when nftables is not installed. */
    public static String find() {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin")) {
            if (Files.isExecutable(Path.of(dir, "nft"))) {
                return dir + "/nft";
            }
        }
        return null;
    }

    /** Runs {@code nft args...}; fails with nft's output when it does not exit 0 within 30 s. */
    public static void run(String nft, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(nft);
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }
}
