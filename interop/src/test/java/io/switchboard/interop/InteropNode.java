package io.switchboard.interop;

/** The pool-node configuration the interop tests run against. */
final class InteropNode {

    private InteropNode() {}

    /**
     * Users for the clients, with the built-in digest defaults: SHA-256 and MD5 challenges, and MD5
     * alone for baresip 1.x and sipsak by their User-Agent (the default
     * {@code auth.user-agent-algorithms}), since baresip 1.0 stops at a SHA-256 challenge ("Function
     * not implemented") and sipsak reads only the first. Every client comes from 127.0.0.1,
     * so the per-source throttle must not count them as one guesser. sipsak resolves the domain of
     * its target URI even with an outbound proxy, so its user lives in the domain {@code localhost}.
     */
    static final String HOCON = """
            switchboard.auth {
              throttle.per-source = 1000000
            }
            switchboard.domains = ["example.test", "localhost"]
            switchboard.bootstrap-users = [
              { uri = "sip:alice@example.test", password = "alice-secret", name = "Alice" }
              { uri = "sip:bob@example.test", password = "bob-secret", name = "Bob" }
              { uri = "sip:carol@example.test", password = "carol-secret", name = "Carol" }
              { uri = "sip:dave@example.test", password = "dave-secret", name = "Dave" }
              { uri = "sip:erin@example.test", password = "erin-secret", name = "Erin" }
              { uri = "sip:frank@example.test", password = "frank-secret", name = "Frank" }
              { uri = "sip:grace@example.test", password = "grace-secret", name = "Grace" }
              { uri = "sip:heidi@example.test", password = "heidi-secret", name = "Heidi" }
              { uri = "sip:ivan@example.test", password = "ivan-secret", name = "Ivan" }
              { uri = "sip:judy@example.test", password = "judy-secret", name = "Judy" }
              { uri = "sip:mike@example.test", password = "mike-secret", name = "Mike" }
              { uri = "sip:nina@example.test", password = "nina-secret", name = "Nina" }
              { uri = "sip:oscar@example.test", password = "oscar-secret", name = "Oscar" }
              { uri = "sip:paul@example.test", password = "paul-secret", name = "Paul" }
              { uri = "sip:quinn@example.test", password = "quinn-secret", name = "Quinn" }
              { uri = "sip:rita@example.test", password = "rita-secret", name = "Rita" }
              { uri = "sip:sara@example.test", password = "sara-secret", name = "Sara" }
              { uri = "sip:tom@example.test", password = "tom-secret", name = "Tom" }
              { uri = "sip:kim@example.test", password = "kim-secret", name = "Kim" }
              { uri = "sip:lee@example.test", password = "lee-secret", name = "Lee" }
              { uri = "sip:sam@localhost", password = "sam-secret", name = "Sam" }
            ]
            """;
}
