package dev.pairstream.erasure.eval;

import dev.pairstream.erasure.emoji.Role;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of a base-model evaluation, written as {@code report.json}.
 *
 * @param catalogVersion    version of the catalog the prompts come from
 * @param detectorVersion   identity of the concept detector's weights
 * @param pictures          pictures generated
 * @param seed              seed of scenes, captions and noise
 * @param inferenceSteps    DDIM steps per picture
 * @param guidanceScale     classifier-free guidance scale
 * @param templateSplit     caption templates used, always HELD_OUT
 * @param phraseSplit       object phrases used
 * @param groups            scores per concept role
 * @param overall           scores over all pictures
 * @param concepts          scores per concept id
 * @param bars              the acceptance bars each group must meet
 * @param passed            whether every group meets every bar
 * @param failures          the bars missed, as sentences
 * @param samplingSeconds   wall time of generating the pictures
 * @param picturesPerSecond generation throughput
 * @param grid              path of the PNG grid, one row per concept
 * @param details           path of the per-picture JSON file
 */
public record BaseEvaluationReport(String catalogVersion, String detectorVersion, int pictures, long seed,
        int inferenceSteps, float guidanceScale, String templateSplit, String phraseSplit, Map<Role, GroupScore> groups,
        GroupScore overall, Map<String, GroupScore> concepts, Bars bars, boolean passed, List<String> failures,
        double samplingSeconds, double picturesPerSecond, String grid, String details) {

    /** Copies the collections, keeping the role order and the catalog order, so the record stays immutable. */
    public BaseEvaluationReport {
        EnumMap<Role, GroupScore> byRole = new EnumMap<>(Role.class);
        byRole.putAll(groups);
        groups = Collections.unmodifiableMap(byRole);
        concepts = Collections.unmodifiableMap(new LinkedHashMap<>(concepts));
        failures = List.copyOf(failures);
    }

    /**
     * The minimum share of correct pictures in each concept group.
     *
     * @param emoji    share with the prompted emoji, as the detector reads it
     * @param colour   share with the prompted background colour
     * @param position share with the object at the prompted position
     */
    public record Bars(double emoji, double colour, double position) {

        /** Returns the bars the emoji-world base model must meet: 85% emoji, 95% colour, 80% position. */
        public static Bars baseModel() {
            return new Bars(0.85, 0.95, 0.80);
        }
    }
}
