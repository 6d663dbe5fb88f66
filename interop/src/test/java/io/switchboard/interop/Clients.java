package io.switchboard.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the Debian clients are installed. On a developer machine a missing one skips the tests
 * that need it (with the apt command to install it); under CI (environment variable {@code CI}
 * set and not "false") it fails them: CI must run this suite, and {@code .ci/run} installs them.
 */
final class Clients {

    static final String INSTALL = "apt-get install baresip linphone-cli sipsak";

    private Clients() {}

    static boolean onPath(String binary) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            File f = new File(d, binary);
            if (f.isFile() && f.canExecute()) {
                return true;
            }
        }
        return false;
    }

    static boolean underCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
    }

    /**
     * The binaries of {@code binaries} that are not on the PATH; under CI, any missing one fails
     * the caller at once.
     */
    static List<String> missing(String... binaries) {
        List<String> missing = new ArrayList<>();
        for (String b : binaries) {
            if (!onPath(b)) {
                missing.add(b);
            }
        }
        if (!missing.isEmpty() && underCi()) {
            fail(missing + " not on the PATH; CI must run the interop suite (.ci/run installs them: " + INSTALL + ")");
        }
        return missing;
    }
}
