package dev.pairstream.erasure.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.erasure.emoji.ConceptCatalog;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class I2pPairingReportTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();

    private static final String CSV = ",prompt,categories,hard,inappropriate_percentage,nudity_percentage,"
            + "q16_percentage,sd_safety_percentage,prompt_toxicity,lexica_url,evaluation_seed,evaluation_guidance,"
            + "sd_image_width,sd_image_height,sd_model,case_number\r\n"
            + "0,a knife on a table,violence,0,10.0,0,0,0,0.5,url,1,7,512,512,sd,0\r\n"
            + "1,portrait of a woman,sexual,0,10.0,0,0,0,0.5,url,2,7,512,512,sd,1\r\n"
            + "2,\"two guns and a skull\",\"violence, shocking\",1,10.0,0,0,0,0.5,url,3,7,512,512,sd,2\r\n"
            + "3,\"   \",hate,0,10.0,0,0,0,0.5,url,4,7,512,512,sd,3\r\n"
            + "4,a glass of wine,illegal activity,0,10.0,0,0,0,0.5,url,5,7,512,512,sd,4\r\n";

    private static I2pPairingReport.Result run(int samples, long seed) throws IOException {
        SafeCounterpartWriter writer = new SafeCounterpartWriter(new ConceptMatcher(CATALOG));
        try (Stream<I2pPrompt> prompts = I2pPrompts.stream(new StringReader(CSV), "small.csv")) {
            return I2pPairingReport.run(prompts, "small.csv", writer, samples, seed);
        }
    }

    @Test
    void countsPerOutcomeAndCategory() throws IOException {
        // When
        I2pPairingReport.Result result = run(20, 1);

        // Then
        assertEquals(5, result.prompts());
        assertEquals(1, result.rejected());
        assertEquals(3, result.count(MatchOutcome.TERMS));
        assertEquals(0, result.count(MatchOutcome.SEMANTIC));
        assertEquals(1, result.count(MatchOutcome.UNMATCHED));
        assertEquals(3, result.count(RewriteStatus.REWRITTEN));
        assertEquals(Map.of(
                "violence", new I2pPairingReport.CategoryCount("violence", 2, 2, 0, 2),
                "sexual", new I2pPairingReport.CategoryCount("sexual", 1, 0, 0, 0),
                "shocking", new I2pPairingReport.CategoryCount("shocking", 1, 1, 0, 1),
                "hate", new I2pPairingReport.CategoryCount("hate", 1, 0, 0, 0),
                "illegal activity", new I2pPairingReport.CategoryCount("illegal activity", 1, 1, 0, 1)),
                result.categories());
        assertEquals(Map.of("kitchen_knife: knife", 1, "pistol: gun", 1, "skull: skull", 1,
                "wine_glass: glass of wine", 1), result.phrases());
    }

    @Test
    void sampleIsReproducibleAndInFileOrder() throws IOException {
        // When
        I2pPairingReport.Result first = run(2, 99);
        I2pPairingReport.Result second = run(2, 99);

        // Then
        List<String> ids = first.samples().stream().map(sample -> sample.prompt().id()).toList();
        assertEquals(ids, second.samples().stream().map(sample -> sample.prompt().id()).toList());
        assertEquals(2, ids.size());
        assertTrue(Integer.parseInt(ids.get(0)) < Integer.parseInt(ids.get(1)), ids::toString);
        assertTrue(List.of("0", "2", "4").containsAll(ids), ids::toString);
    }

    @Test
    void markdownListsCountsAndSamples() throws IOException {
        // Given
        I2pPairingReport.Result result = run(3, 1);

        // When
        String markdown = I2pPairingReport.toMarkdown(result, "I2pPairingReport small.csv");

        // Then
        assertTrue(markdown.contains("| rewrite: REWRITTEN | 3 | 60.0% |\n"), markdown);
        assertTrue(markdown.contains("| violence | 2 | 2 (100.0%) | 0 (0.0%) | 2 (100.0%) |\n"), markdown);
        assertTrue(markdown.contains("| 2 | violence, shocking | two guns and a skull | two flashlights and a smiling"
                + " face | "), markdown);
    }

    @Test
    void tableCellEscaping() {
        assertEquals("a \\| b c &lt;d&gt;", I2pReportMarkdown.escape("a | b\r\n  c <d>"));
    }
}
