package dev.pairstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConsumerLimitsTest {

    @Test
    void limitsDependOnMode() {
        EmbeddedGeneratorSettings textOnly = EmbeddedGeneratorSettings.textOnly("group", "tx", 1, 1);
        EmbeddedGeneratorSettings rendering = new EmbeddedGeneratorSettings(PairGeneratorConfig.Mode.RENDER,
                Path.of("models", "emoji-world-base"), Path.of("data", "artifacts"), "group", "tx", 1, 1);

        assertEquals(new ConsumerLimits(256, 128, 512), ConsumerLimits.of(textOnly));
        assertEquals(new ConsumerLimits(64, 32, 256), ConsumerLimits.of(rendering));
    }
}
