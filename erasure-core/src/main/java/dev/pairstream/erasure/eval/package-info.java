/**
 * The evaluation suite: erasure and anchor rates, consistency, preservation, quality and paraphrase robustness,
 * with JSON reports and picture grids.
 */
package dev.pairstream.erasure.eval;
