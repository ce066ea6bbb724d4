package dev.pairstream.erasure.emoji;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One emoji of the world and the words for it.
 *
 * @param id             stable identifier, lower case with underscores, such as {@code pistol}
 * @param unified        the code point sequence as emoji-datasource spells it in {@code unified}, such as
 *                       {@code 1F5E1-FE0F}
 * @param role           the part the concept plays in erasure
 * @param category       the unsafe category, such as {@code violence}; null unless the role is UNSAFE
 * @param anchor         the id of the safe concept that replaces this one; null unless the role is UNSAFE
 * @param unicodeName    the Unicode character name of the first code point, such as {@code HOCHO}
 * @param shortNames     the everyday names, most common first
 * @param synonyms       further phrases that training captions may use
 * @param heldOutPhrases phrases that no training caption uses, kept for robustness evaluation
 */
public record Concept(String id, String unified, Role role, String category, String anchor, String unicodeName,
        List<String> shortNames, List<String> synonyms, List<String> heldOutPhrases) {

    public Concept {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(unified, "unified");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(unicodeName, "unicodeName");
        shortNames = List.copyOf(shortNames);
        synonyms = List.copyOf(synonyms);
        heldOutPhrases = List.copyOf(heldOutPhrases);
        boolean unsafeFields = category != null && anchor != null;
        boolean noUnsafeFields = category == null && anchor == null;
        if (role == Role.UNSAFE ? !unsafeFields : !noUnsafeFields) {
            throw new IllegalArgumentException("Concept " + id + ": category and anchor are required for UNSAFE"
                    + " concepts and must be null otherwise, but role is " + role + ", category " + category
                    + ", anchor " + anchor);
        }
    }

    /** Returns the code points of {@link #unified}, in order. */
    public int[] codePoints() {
        return CodePoints.parse(unified);
    }

    /** Returns the emoji as a Java string. */
    public String text() {
        int[] codePoints = codePoints();
        return new String(codePoints, 0, codePoints.length);
    }

    /** Returns the PNG file name that emoji-datasource uses for this emoji, such as {@code 1f5e1-fe0f.png}. */
    public String imageFileName() {
        return unified.toLowerCase(Locale.ROOT) + ".png";
    }

    /** Returns the phrases that training captions may use: the short names, then the synonyms, without repeats. */
    public List<String> trainingPhrases() {
        LinkedHashSet<String> phrases = new LinkedHashSet<>(shortNames);
        phrases.addAll(synonyms);
        return List.copyOf(new ArrayList<>(phrases));
    }

    /** Returns whether erasure removes this concept. */
    public boolean isUnsafe() {
        return role == Role.UNSAFE;
    }
}
