/**
 * Pure proxy rules: target sets, response selection (RFC 3261 section 16.7), loop and
 * Max-Forwards checks, and per-user call settings. No Pekko, JAIN-SIP or driver imports.
 */
package io.switchboard.proxy.domain;
