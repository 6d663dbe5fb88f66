package io.switchboard.sip.dns;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** The DNS answers RFC 3263 needs, with their time to live, independent of any DNS library. */
public final class DnsRecords {

    private DnsRecords() {}

    /**
     * An SRV record (RFC 2782).
     *
     * @param target the host name; "." means the service is decidedly not available at this name
     */
    public record Srv(int priority, int weight, int port, String target) {
        public Srv {
            Objects.requireNonNull(target, "target");
            target = trimDot(target);
        }
    }

    /**
     * A NAPTR record (RFC 3403) as RFC 3263 section 4.1 uses it: flags "s", a service such as
     * {@code SIP+D2U}, and a replacement naming the SRV records to look up.
     */
    public record Naptr(int order, int preference, String flags, String service, String replacement) {
        public Naptr {
            Objects.requireNonNull(flags, "flags");
            Objects.requireNonNull(service, "service");
            replacement = trimDot(Objects.requireNonNull(replacement, "replacement"));
        }
    }

    /**
     * One answer: the records of a name and type (empty when the name has none or does not exist),
     * and how long it may be cached.
     */
    public record Answer<T>(List<T> records, Duration ttl) {
        public Answer {
            records = List.copyOf(records);
            Objects.requireNonNull(ttl, "ttl");
        }
    }

    static String trimDot(String name) {
        return name.length() > 1 && name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
