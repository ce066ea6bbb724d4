package dev.pairstream.erasure.emoji;

import java.util.regex.Pattern;

/** Parses code point sequences written the emoji-datasource way: upper-case hex code points joined by hyphens. */
final class CodePoints {

    private static final Pattern SEQUENCE = Pattern.compile("[0-9A-F]{4,6}(-[0-9A-F]{4,6})*");

    /** The variation selector that requests emoji presentation. */
    static final int EMOJI_PRESENTATION_SELECTOR = 0xFE0F;

    private CodePoints() {
    }

    /**
     * Parses a sequence such as {@code 1F5E1-FE0F}.
     *
     * @throws IllegalArgumentException when the text is not upper-case hex groups of 4 to 6 digits joined by
     *                                  hyphens, or a group is a surrogate or above U+10FFFF
     */
    static int[] parse(String unified) {
        if (unified == null || !SEQUENCE.matcher(unified).matches()) {
            throw new IllegalArgumentException("invalid code point sequence \"" + unified + "\"; expected upper-case"
                    + " hex code points of 4 to 6 digits joined by hyphens, such as 1F5E1-FE0F");
        }
        String[] groups = unified.split("-");
        int[] codePoints = new int[groups.length];
        for (int i = 0; i < groups.length; i++) {
            int codePoint = Integer.parseInt(groups[i], 16);
            if (codePoint > Character.MAX_CODE_POINT) {
                throw new IllegalArgumentException("invalid code point " + groups[i] + " in \"" + unified
                        + "\"; expected at most 10FFFF");
            }
            if (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE) {
                throw new IllegalArgumentException("invalid code point " + groups[i] + " in \"" + unified
                        + "\"; surrogates D800-DFFF are not characters");
            }
            codePoints[i] = codePoint;
        }
        return codePoints;
    }
}
