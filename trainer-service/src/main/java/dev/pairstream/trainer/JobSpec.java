package dev.pairstream.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.event.OffsetRange;
import dev.pairstream.contracts.serde.ContractJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything a job trains from, fixed when the job is created and written to {@code <state folder>/jobs/<job id>/}
 * {@value #FILE}, so that a job resumed after a restart uses the same snapshot, pairs and settings.
 *
 * @param jobId         id of the job
 * @param conceptSetKey the base model and concept set, as {@code EventKeys.conceptSetKey} forms it
 * @param baseModelId   the base model the pairs and snapshot belong to
 * @param conceptIds    the concepts to erase
 * @param origin        {@code trigger} for a job the policy started, {@code manual} for one started over REST
 * @param createdAt     when the job was created
 * @param snapshot      the Fisher snapshot of the FiDoRA initialisation
 * @param pairs         the pairs to train on, oldest first
 * @param pairRanges    the offsets of the pairs topic those pairs came from
 * @param settings      the hyper-parameters
 */
public record JobSpec(String jobId, String conceptSetKey, String baseModelId, List<String> conceptIds, String origin,
        Instant createdAt, FisherSnapshot snapshot, List<ErasurePair> pairs, List<OffsetRange> pairRanges,
        JobSettings settings) {

    /** File name of the specification inside a job folder. */
    public static final String FILE = "spec.json";

    private static final ObjectMapper JSON = ContractJson.newMapper().disable(SerializationFeature.INDENT_OUTPUT);

    /** Checks that every field is present and copies the lists. */
    public JobSpec {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(conceptSetKey, "conceptSetKey");
        Objects.requireNonNull(baseModelId, "baseModelId");
        conceptIds = List.copyOf(conceptIds);
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(snapshot, "snapshot");
        pairs = List.copyOf(pairs);
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("Job " + jobId + " has no pairs to train on");
        }
        pairRanges = List.copyOf(pairRanges);
        Objects.requireNonNull(settings, "settings");
    }

    /** Writes the specification into {@code folder}, replacing an earlier one atomically. */
    public void write(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path temporary = folder.resolve(FILE + ".partial");
        Files.write(temporary, JSON.writeValueAsBytes(this));
        Files.move(temporary, folder.resolve(FILE), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads the specification of {@code folder}. */
    public static JobSpec read(Path folder) throws IOException {
        return JSON.readValue(folder.resolve(FILE).toFile(), JobSpec.class);
    }
}
