package dev.pairstream.generator;

import java.util.List;
import java.util.Objects;

/**
 * Signals that a flagged-prompt record cannot become a pair; its class name and message go into the dead letter.
 */
public class PromptRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    private final RejectionReason reason;
    private final transient List<String> conceptIds;

    /** Creates the exception with the reason, an operator message and the concepts found, if any. */
    public PromptRejectedException(RejectionReason reason, String message, List<String> conceptIds,
            Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.conceptIds = List.copyOf(conceptIds);
    }

    /** Creates the exception without concepts or cause. */
    public PromptRejectedException(RejectionReason reason, String message) {
        this(reason, message, List.of(), null);
    }

    /** Returns why the record was rejected. */
    public RejectionReason reason() {
        return reason;
    }

    /** Returns the concepts found in the prompt before it was rejected; empty when none were. */
    public List<String> conceptIds() {
        return conceptIds;
    }
}
