package dev.pairstream.erasure.pairing;

/** The catalog field a term match came from. */
public enum MatchKind {
    /** One of the concept's everyday names. */
    SHORT_NAME,
    /** One of the further phrases that training captions use. */
    SYNONYM,
    /** One of the phrases that training captions never use. */
    HELD_OUT_PHRASE,
    /** The Unicode character name, in lower case. */
    UNICODE_NAME,
    /** The emoji character itself, with or without the emoji presentation selector U+FE0F. */
    EMOJI
}
