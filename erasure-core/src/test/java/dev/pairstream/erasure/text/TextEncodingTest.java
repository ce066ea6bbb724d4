package dev.pairstream.erasure.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TextEncodingTest {

    @Test
    void meanPooledAveragesOnlyAttendedTokens() {
        // Given: three tokens of width 2, the last one masked out
        float[] hidden = {1f, 2f, 3f, 6f, 100f, 100f};
        TextEncoding encoding = new TextEncoding("p", new long[] {101, 7, 0}, new long[] {1, 1, 0}, hidden, 2);

        // When
        float[] mean = encoding.meanPooled();

        // Then: (1 + 3) / 2 and (2 + 6) / 2
        assertArrayEquals(new float[] {2f, 4f}, mean);
    }

    @Test
    void meanPooledRejectsFullyMaskedEncoding() {
        TextEncoding encoding = new TextEncoding("p", new long[] {0}, new long[] {0}, new float[] {1f}, 1);

        IllegalStateException error = assertThrows(IllegalStateException.class, encoding::meanPooled);

        assertTrue(error.getMessage().contains("every attention mask value is 0"), error.getMessage());
    }

    @Test
    void accessorsReturnCopies() {
        // Given
        long[] ids = {101, 102};
        float[] hidden = {1f, 2f};
        TextEncoding encoding = new TextEncoding("", ids, new long[] {1, 1}, hidden, 1);

        // When: the caller changes both its inputs and the returned arrays
        ids[0] = 5;
        hidden[0] = 9f;
        encoding.tokenIds()[1] = 5;
        encoding.hiddenStates()[1] = 9f;

        // Then
        assertArrayEquals(new long[] {101, 102}, encoding.tokenIds());
        assertArrayEquals(new float[] {1f, 2f}, encoding.hiddenStates());
    }

    @Test
    void equalityComparesContents() {
        TextEncoding first = new TextEncoding("x", new long[] {1}, new long[] {1}, new float[] {0.5f}, 1);
        TextEncoding same = new TextEncoding("x", new long[] {1}, new long[] {1}, new float[] {0.5f}, 1);
        TextEncoding other = new TextEncoding("x", new long[] {1}, new long[] {1}, new float[] {0.25f}, 1);

        assertEquals(first, same);
        assertEquals(first.hashCode(), same.hashCode());
        assertNotEquals(first, other);
    }

    @Test
    void inconsistentLengthsAreRejected() {
        IllegalArgumentException wrongHidden = assertThrows(IllegalArgumentException.class,
                () -> new TextEncoding("x", new long[] {1, 2}, new long[] {1, 1}, new float[3], 2));
        IllegalArgumentException wrongMask = assertThrows(IllegalArgumentException.class,
                () -> new TextEncoding("x", new long[] {1, 2}, new long[] {1}, new float[4], 2));
        IllegalArgumentException badMaskValue = assertThrows(IllegalArgumentException.class,
                () -> new TextEncoding("x", new long[] {1}, new long[] {2}, new float[2], 2));
        IllegalArgumentException noTokens = assertThrows(IllegalArgumentException.class,
                () -> new TextEncoding("x", new long[0], new long[0], new float[0], 2));

        assertEquals("hiddenStates has 3 floats, expected 2 tokens x 2 = 4", wrongHidden.getMessage());
        assertEquals("attentionMask has 1 values but there are 2 tokens", wrongMask.getMessage());
        assertEquals("attentionMask[0] must be 0 or 1, got 2", badMaskValue.getMessage());
        assertEquals("an encoding needs at least one token, got none for prompt \"x\"", noTokens.getMessage());
    }
}
