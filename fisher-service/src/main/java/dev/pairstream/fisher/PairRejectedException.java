package dev.pairstream.fisher;

/** A pair record that the Fisher stream cannot use, with the dead-letter reason tag. */
final class PairRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reasonTag;

    PairRejectedException(String reasonTag, String message, Throwable cause) {
        super(message, cause);
        this.reasonTag = reasonTag;
    }

    /** Returns the short reason for metrics, such as {@code picture_missing}. */
    String reasonTag() {
        return reasonTag;
    }
}
