package dev.pairstream.erasure.detector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.Role;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tallies hand-made detections. */
class AccuracyReportTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();

    private static Detection detected(String conceptId) {
        return new Detection(conceptId, 0.9f, new float[] {0.9f, 0.1f});
    }

    @Test
    void countsOverallPerRoleAndPerConcept() {
        // Given: pistol (UNSAFE) right twice and wrong once, spoon (ANCHOR) right once, banana (NEUTRAL) wrong once
        List<String> expected = List.of("pistol", "pistol", "pistol", "spoon", "banana");
        List<Detection> detections = List.of(detected("pistol"), detected("pistol"), detected("spoon"),
                detected("spoon"), detected("car"));

        // When
        AccuracyReport report = AccuracyReport.of(CATALOG, expected, detections);

        // Then
        assertEquals(5, report.total());
        assertEquals(3, report.correct());
        assertEquals(0.6, report.accuracy(), 1e-12);
        assertEquals(new AccuracyReport.Tally(3, 2), report.perRole().get(Role.UNSAFE));
        assertEquals(new AccuracyReport.Tally(1, 1), report.perRole().get(Role.ANCHOR));
        assertEquals(new AccuracyReport.Tally(1, 0), report.perRole().get(Role.NEUTRAL));
        assertEquals(List.of("pistol", "spoon", "banana"), List.copyOf(report.perConcept().keySet()));
        assertEquals(List.of(Map.entry("banana", new AccuracyReport.Tally(1, 0)),
                Map.entry("pistol", new AccuracyReport.Tally(3, 2))), report.lowestConcepts(2));
    }

    @Test
    void reportSurvivesJsonRoundTrip() throws Exception {
        // Given
        AccuracyReport report = AccuracyReport.of(CATALOG, List.of("pistol", "spoon"),
                List.of(detected("pistol"), detected("pistol")));

        // When
        String json = DetectorJson.MAPPER.writeValueAsString(report);
        AccuracyReport read = DetectorJson.MAPPER.readValue(json, AccuracyReport.class);

        // Then
        assertEquals(report, read);
    }

    @Test
    void unknownLabelIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> AccuracyReport.of(CATALOG, List.of("unicorn"), List.of(detected("pistol"))));

        // Then
        assertEquals("True label \"unicorn\" at index 0 is not a concept of catalog " + CATALOG.version(),
                error.getMessage());
    }
}
