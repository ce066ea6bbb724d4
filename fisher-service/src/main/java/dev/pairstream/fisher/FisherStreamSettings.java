package dev.pairstream.fisher;

import dev.pairstream.erasure.emoji.ConceptGrouping;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the Fisher stream besides its model and artifact store, as plain values, so that the Quarkus service,
 * the tests and {@code ./pair bench fisher-stream} build the same topology.
 *
 * @param baseModelId        the base model whose pairs the stream estimates (pairs of other models are skipped)
 * @param batchPairs         pending pairs of one concept that start a Fisher computation, and pairs per backward pass
 * @param flushInterval      how long a pending pair waits before its concept is computed with fewer pairs
 * @param snapshotEveryPairs newly counted pairs of a concept after which its snapshot is published
 * @param snapshotInterval   age after which a concept with newly counted pairs gets a snapshot anyway
 * @param seed               the estimation seed, which with each pair's sample id selects the timestep and the noise
 * @param grouping           how concepts form the concept sets that get one aggregate and one snapshot each
 */
public record FisherStreamSettings(String baseModelId, int batchPairs, Duration flushInterval,
        long snapshotEveryPairs, Duration snapshotInterval, long seed, ConceptGrouping grouping) {

    /** Settings with one concept set per concept. */
    public FisherStreamSettings(String baseModelId, int batchPairs, Duration flushInterval, long snapshotEveryPairs,
            Duration snapshotInterval, long seed) {
        this(baseModelId, batchPairs, flushInterval, snapshotEveryPairs, snapshotInterval, seed,
                new ConceptGrouping(ConceptGrouping.Mode.CONCEPT, null));
    }

    /** Checks the values. */
    public FisherStreamSettings {
        Objects.requireNonNull(baseModelId, "baseModelId");
        Objects.requireNonNull(flushInterval, "flushInterval");
        Objects.requireNonNull(snapshotInterval, "snapshotInterval");
        Objects.requireNonNull(grouping, "grouping");
        if (baseModelId.isBlank()) {
            throw new IllegalArgumentException("baseModelId must not be blank");
        }
        if (batchPairs < 1 || snapshotEveryPairs < 1) {
            throw new IllegalArgumentException("batchPairs and snapshotEveryPairs must be at least 1, but were "
                    + batchPairs + " and " + snapshotEveryPairs);
        }
        if (flushInterval.isNegative() || flushInterval.isZero() || snapshotInterval.isNegative()
                || snapshotInterval.isZero()) {
            throw new IllegalArgumentException("flushInterval and snapshotInterval must be positive, but were "
                    + flushInterval + " and " + snapshotInterval);
        }
    }
}
