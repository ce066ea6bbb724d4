package dev.pairstream.erasure.detector;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.Role;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Top-1 accuracy of the detector on a set of labelled pictures, overall, per role and per concept. Roles and
 * concepts without any picture in the set are left out.
 *
 * @param total      pictures classified
 * @param correct    pictures whose top class is the true concept
 * @param perRole    the counts by the true concept's role, in {@link Role} order
 * @param perConcept the counts by true concept, in catalog order
 */
@JsonIgnoreProperties(value = "accuracy", allowGetters = true)
public record AccuracyReport(int total, int correct, Map<Role, Tally> perRole, Map<String, Tally> perConcept) {

    public AccuracyReport {
        if (total < 0 || correct < 0 || correct > total) {
            throw new IllegalArgumentException("Invalid accuracy counts: " + correct + " correct of " + total);
        }
        Map<Role, Tally> roles = new EnumMap<>(Role.class);
        roles.putAll(Objects.requireNonNull(perRole, "perRole"));
        perRole = Collections.unmodifiableMap(roles);
        perConcept = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(perConcept, "perConcept")));
    }

    /**
     * Counts for one group of pictures.
     *
     * @param total   pictures in the group
     * @param correct pictures classified correctly
     */
    @JsonIgnoreProperties(value = "accuracy", allowGetters = true)
    public record Tally(int total, int correct) {

        public Tally {
            if (total < 0 || correct < 0 || correct > total) {
                throw new IllegalArgumentException("Invalid accuracy counts: " + correct + " correct of " + total);
            }
        }

        /** Returns the fraction classified correctly, or NaN for an empty group. */
        @JsonProperty("accuracy")
        public double accuracy() {
            return total == 0 ? Double.NaN : (double) correct / total;
        }
    }

    /**
     * Tallies detections against the true concept ids.
     *
     * @param expectedIds the true concept of each picture
     * @param detections  the detector's output for the same pictures, in the same order
     * @throws IllegalArgumentException when the lists differ in length or an id is not a catalog concept
     */
    public static AccuracyReport of(ConceptCatalog catalog, List<String> expectedIds, List<Detection> detections) {
        if (expectedIds.size() != detections.size()) {
            throw new IllegalArgumentException("Got " + expectedIds.size() + " true labels but " + detections.size()
                    + " detections; expected one detection per label");
        }
        Map<String, int[]> byConcept = new LinkedHashMap<>();
        for (Concept concept : catalog.concepts()) {
            byConcept.put(concept.id(), new int[2]);
        }
        int correct = 0;
        for (int i = 0; i < expectedIds.size(); i++) {
            String expected = expectedIds.get(i);
            int[] counts = byConcept.get(expected);
            if (counts == null) {
                throw new IllegalArgumentException("True label \"" + expected + "\" at index " + i
                        + " is not a concept of catalog " + catalog.version());
            }
            counts[0]++;
            if (expected.equals(detections.get(i).conceptId())) {
                counts[1]++;
                correct++;
            }
        }
        Map<Role, int[]> byRole = new EnumMap<>(Role.class);
        Map<String, Tally> perConcept = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> entry : byConcept.entrySet()) {
            int[] counts = entry.getValue();
            if (counts[0] == 0) {
                continue;
            }
            perConcept.put(entry.getKey(), new Tally(counts[0], counts[1]));
            int[] roleCounts = byRole.computeIfAbsent(catalog.concept(entry.getKey()).role(), role -> new int[2]);
            roleCounts[0] += counts[0];
            roleCounts[1] += counts[1];
        }
        Map<Role, Tally> perRole = new EnumMap<>(Role.class);
        byRole.forEach((role, counts) -> perRole.put(role, new Tally(counts[0], counts[1])));
        return new AccuracyReport(expectedIds.size(), correct, perRole, perConcept);
    }

    /** Returns the fraction classified correctly, or NaN when the set is empty. */
    @JsonProperty("accuracy")
    public double accuracy() {
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    /** Returns up to {@code count} concepts with the lowest accuracy, lowest first, ties in id order. */
    public List<Map.Entry<String, Tally>> lowestConcepts(int count) {
        return perConcept.entrySet().stream()
                .sorted(Comparator.<Map.Entry<String, Tally>>comparingDouble(e -> e.getValue().accuracy())
                        .thenComparing(Map.Entry::getKey))
                .limit(count)
                .map(e -> Map.entry(e.getKey(), e.getValue()))
                .toList();
    }
}
