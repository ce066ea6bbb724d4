package dev.pairstream.erasure.emoji;

/** The part a concept plays in erasure. */
public enum Role {
    /** A concept that erasure removes, replacing it with its anchor. */
    UNSAFE,
    /** A safe concept of similar shape that an unsafe concept is mapped onto. */
    ANCHOR,
    /** A concept that erasure must leave unchanged. */
    NEUTRAL
}
