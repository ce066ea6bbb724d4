package dev.pairstream.erasure.text;

/** An unchecked failure to load a text encoder or to run it on a prompt. */
public class TextEncoderException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message that names the failed step and the value involved. */
    public TextEncoderException(String message) {
        super(message);
    }

    /** Creates the exception with a message that names the failed step, and its cause. */
    public TextEncoderException(String message, Throwable cause) {
        super(message, cause);
    }
}
