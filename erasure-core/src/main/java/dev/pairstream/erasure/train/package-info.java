/**
 * Erasure methods behind one interface: Fisher-weighted DoRA initialisation with Paired Semantic Realignment,
 * and the baselines and ablations it is compared with.
 */
package dev.pairstream.erasure.train;
