/**
 * The text side of the pair generator: finding the unsafe concepts of the catalog in a flagged prompt and writing
 * its safe counterpart by a minimal edit.
 *
 * <p>{@link dev.pairstream.erasure.pairing.ConceptMatcher} finds catalog terms (names, synonyms, held-out phrases,
 * their plurals and the emoji characters themselves) as whole words, and falls back to all-MiniLM-L6-v2 sentence
 * similarity when no term occurs. {@link dev.pairstream.erasure.pairing.SafeCounterpartWriter} replaces each matched
 * span with the phrase of the concept's safe anchor, fixes the indefinite article in front of it and checks that no
 * unsafe term remains. {@link dev.pairstream.erasure.pairing.I2pPrompts} streams the vendored I2P prompt set and
 * {@link dev.pairstream.erasure.pairing.I2pPairingReport} measures both steps over it.
 */
package dev.pairstream.erasure.pairing;
