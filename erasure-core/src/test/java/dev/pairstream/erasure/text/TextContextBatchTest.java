package dev.pairstream.erasure.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TextContextBatchTest {

    private NDManager manager;

    @BeforeEach
    void openManager() {
        manager = PyTorchRuntime.engine().newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void padWritesZerosAfterEachEncoding() {
        // Given: hidden size 2, one encoding of 1 token and one of 3 tokens, padded to 4
        TextEncoding shortOne = new TextEncoding("a", new long[] {7}, new long[] {1}, new float[] {1f, 2f}, 2);
        TextEncoding longOne = new TextEncoding("b", new long[] {7, 8, 9}, new long[] {1, 1, 1},
                new float[] {3f, 4f, 5f, 6f, 7f, 8f}, 2);

        // When
        try (TextContextBatch batch = TextContextBatch.pad(List.of(shortOne, longOne), 4, manager)) {

            // Then
            assertEquals(new Shape(2, 4, 2), batch.context().getShape());
            assertEquals(new Shape(2, 4), batch.attentionMask().getShape());
            assertEquals(DataType.FLOAT32, batch.attentionMask().getDataType());
            assertEquals(2, batch.batchSize());
            assertEquals(4, batch.length());
            float[] expectedContext = {
                1f, 2f, 0f, 0f, 0f, 0f, 0f, 0f,
                3f, 4f, 5f, 6f, 7f, 8f, 0f, 0f};
            float[] expectedMask = {1f, 0f, 0f, 0f, 1f, 1f, 1f, 0f};
            assertArrayEquals(expectedContext, batch.context().toFloatArray());
            assertArrayEquals(expectedMask, batch.attentionMask().toFloatArray());
        }
    }

    @Test
    void padRejectsEncodingLongerThanLength() {
        TextEncoding encoding = new TextEncoding("abc", new long[] {1, 2, 3}, new long[] {1, 1, 1}, new float[3], 1);

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TextContextBatch.pad(List.of(encoding), 2, manager));

        assertEquals("encodings[0] (\"abc\") has 3 tokens, more than the padded length 2;"
                + " encode it with a max token count of at most 2", error.getMessage());
    }

    @Test
    void padRejectsMixedHiddenSizes() {
        TextEncoding wide = new TextEncoding("a", new long[] {1}, new long[] {1}, new float[2], 2);
        TextEncoding narrow = new TextEncoding("b", new long[] {1}, new long[] {1}, new float[1], 1);

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TextContextBatch.pad(List.of(wide, narrow), 2, manager));

        assertEquals("encodings[1] has hidden size 1 but encodings[0] has 2", error.getMessage());
    }

    @Test
    void padRejectsEmptyList() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TextContextBatch.pad(List.of(), 4, manager));

        assertEquals("cannot pad an empty list of encodings", error.getMessage());
    }
}
