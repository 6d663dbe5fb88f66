package io.switchboard.sip.dns;

import io.switchboard.sip.dns.DnsRecords.Answer;
import io.switchboard.sip.dns.DnsRecords.Naptr;
import io.switchboard.sip.dns.DnsRecords.Srv;
import java.util.concurrent.CompletionStage;

/**
 * The DNS queries RFC 3263 makes. Every method returns at once; the answer completes the stage
 * (never on a JAIN-SIP thread's time). A name without records of the type, or a name that does not
 * exist, is an empty answer, not a failure; a failure means the servers could not be asked.
 */
public interface DnsLookup {

    CompletionStage<Answer<Naptr>> naptr(String name);

    CompletionStage<Answer<Srv>> srv(String name);

    /** A and AAAA together, IPv4 first, as literal address strings. */
    CompletionStage<Answer<String>> addresses(String name);
}
