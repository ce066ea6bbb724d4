package dev.pairstream.erasure.emoji;

/** Part of the caption vocabulary: the one training uses, or the one kept back for evaluation. */
public enum CaptionSplit {
    /** Train templates, or short names and synonyms. */
    TRAIN,
    /** Held-out templates, or held-out phrases. Training captions never use these. */
    HELD_OUT
}
