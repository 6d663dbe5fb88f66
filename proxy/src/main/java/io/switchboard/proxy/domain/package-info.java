/**
 * Pure proxy rules: the fork state machine ({@link io.switchboard.proxy.domain.Fork}, RFC 3261
 * section 16.7-16.10), what a forwarded request looks like ({@link io.switchboard.proxy.domain.RequestRewriter}),
 * loop and Max-Forwards checks ({@link io.switchboard.proxy.domain.LoopGuard}), target sets,
 * response selection, and per-user call settings. No Pekko, JAIN-SIP or driver imports.
 */
package io.switchboard.proxy.domain;
