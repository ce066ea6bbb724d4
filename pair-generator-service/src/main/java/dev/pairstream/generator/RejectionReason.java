package dev.pairstream.generator;

import java.util.Locale;

/** Reason the pair generator sent a flagged-prompt record to the dead-letter topic instead of publishing a pair. */
public enum RejectionReason {
    /** The record has no value (a tombstone). */
    MISSING_VALUE,
    /** The value is not valid UTF-8. */
    INVALID_UTF8,
    /** The value is not a valid FlaggedPrompt: malformed JSON, a missing or invalid field, a blank prompt. */
    INVALID_RECORD,
    /** The prompt is longer than {@code pair.generator.max-prompt-chars}. */
    PROMPT_TOO_LONG,
    /** A moderation category is not one of the catalog's categories. */
    UNKNOWN_CATEGORY,
    /** In render mode, the record names a base model other than the one this service renders. */
    UNSUPPORTED_BASE_MODEL,
    /** The prompt names no unsafe concept of the catalog. */
    UNMATCHED,
    /** The concepts were found by sentence similarity only, so there is no span to replace. */
    NO_SPAN_TO_REPLACE,
    /** The rewrite still contained an unsafe term. */
    UNSAFE_TERMS_REMAIN,
    /** Rendering or storing the pictures failed. */
    RENDER_FAILED;

    /** Returns the lower-case name used as a metric tag. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
