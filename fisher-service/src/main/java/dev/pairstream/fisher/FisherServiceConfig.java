package dev.pairstream.fisher;

import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.ConceptGrouping;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Settings of the fisher-service ({@code pair.fisher.*}); application.properties documents every key. */
@ConfigMapping(prefix = "pair.fisher")
public interface FisherServiceConfig {

    /** Id of the base model whose pairs this service estimates; pairs of other models are skipped. */
    @WithDefault("emoji-world-base")
    String baseModelId();

    /** Model folder of that base model, as the base-model export writes it. */
    @WithDefault("models/emoji-world-base")
    Path modelFolder();

    /** Root folder of the file-system artifact store: the pair pictures and the snapshot tensors. */
    @WithDefault("data/artifacts")
    Path artifactStore();

    /** Linear modules to estimate, as diffusers paths; when absent, every cross-attention to_k and to_v. */
    Optional<List<String>> targetModules();

    /** Pending pairs of one concept that start a Fisher computation, and pairs per backward pass. */
    @WithDefault("64")
    int batchPairs();

    /**
     * How long a concept's pending pairs wait for batch-pairs pairs before they are computed with fewer, counted from
     * the oldest pair's arrival or the end of the last computation, whichever is later, and at most ten intervals
     * from its arrival. Checked four times per interval.
     */
    @WithDefault("2s")
    Duration flushInterval();

    /** Newly counted pairs of a concept after which its snapshot is published. */
    @WithDefault("64")
    long snapshotEveryPairs();

    /** Age after which a concept with newly counted pairs gets a snapshot anyway. */
    @WithDefault("60s")
    Duration snapshotInterval();

    /** Estimation seed; with each pair's sample id it selects the timestep and the noise. */
    @WithDefault("0")
    long seed();

    /** Wait before a failed stream thread is replaced, for example while the artifact store is unreachable. */
    @WithDefault("5s")
    Duration retryInterval();

    /**
     * The grouping of concepts into concept sets: {@code concept} (one aggregate per concept) or {@code category} (one per
     * moderation category of the catalog). The trainer-service must use the same grouping.
     */
    @WithDefault("concept")
    String conceptSets();

    /** Concept catalog JSON file for the category grouping; unset means the catalog built into erasure-core. */
    Optional<Path> catalog();

    /** Returns the stream settings of this configuration. */
    default FisherStreamSettings streamSettings() {
        ConceptGrouping.Mode mode = ConceptGrouping.Mode.parse(conceptSets());
        ConceptCatalog catalog = null;
        if (mode == ConceptGrouping.Mode.CATEGORY) {
            try {
                catalog = catalog().isPresent() ? ConceptCatalog.load(catalog().get()) : ConceptCatalog.loadDefault();
            } catch (IOException e) {
                throw new UncheckedIOException("Failed to read the concept catalog " + catalog().get()
                        + " (pair.fisher.catalog)", e);
            }
        }
        return new FisherStreamSettings(baseModelId(), batchPairs(), flushInterval(), snapshotEveryPairs(),
                snapshotInterval(), seed(), new ConceptGrouping(mode, catalog));
    }
}
