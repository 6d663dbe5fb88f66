package io.switchboard.sip.stack;

import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPServerTransaction;
import java.util.Properties;
import javax.sip.PeerUnavailableException;

/** The RI's stack, making {@link LeanServerTransaction}s: see there why. */
final class LeanSipStack extends SipStackImpl {

    LeanSipStack(Properties properties) throws PeerUnavailableException {
        super(properties);
    }

    @Override
    public SIPServerTransaction createServerTransaction(MessageChannel channel) {
        if (!unlimitedServerTransactionTableSize) {
            // the RI's own shedding above max-server-transactions (a random drop between its low and
            // high water marks): let it decide, then make ours in place of the transaction it made
            if (super.createServerTransaction(channel) == null) {
                return null;
            }
        }
        return new LeanServerTransaction(this, channel);
    }
}
