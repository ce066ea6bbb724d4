/**
 * The embedded default world: 32x32 pictures of one emoji on a coloured background, their captions, the concept
 * catalog and the concept detector.
 */
package dev.pairstream.erasure.emoji;
