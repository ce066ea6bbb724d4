package dev.pairstream.fisher;

import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.jboss.logging.Logger;

/** Loads the base model and hands the Fisher topology to Quarkus' Kafka Streams extension, which runs it. */
@ApplicationScoped
public class FisherStreamsProducer {

    private static final Logger LOG = Logger.getLogger(FisherStreamsProducer.class);

    private FisherModel model;

    // Singleton, not ApplicationScoped: Kafka Streams reads the topology's fields, which a client proxy leaves empty.
    @Produces
    @Singleton
    Topology topology(FisherServiceConfig config, MeterRegistry registry) {
        try {
            model = FisherModel.load(config.modelFolder(), config.targetModules(), config.seed());
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to load the base model from " + config.modelFolder()
                    .toAbsolutePath() + " (pair.fisher.model-folder)", e);
        }
        FisherStreamSettings settings = config.streamSettings();
        LOG.infof("Fisher stream ready: base model %s, %d target modules, %d pairs a batch, snapshot every %d pairs"
                + " or %s, artifacts in %s", settings.baseModelId(), model.fisher().modules().size(),
                settings.batchPairs(), settings.snapshotEveryPairs(), settings.snapshotInterval(),
                config.artifactStore().toAbsolutePath());
        return FisherTopology.build(settings, model.fisher(), new FileSystemArtifactStore(config.artifactStore()),
                model.pictureSide(), new FisherMetrics(registry), Clock.systemUTC());
    }

    /**
     * Replaces a stream thread that failed, such as on an unreachable artifact store, after the retry interval. Its
     * transaction was aborted, so its tasks resume from their last commit and no pair is lost or counted twice. The
     * Kafka Streams extension installs this bean before it starts the application.
     */
    @Produces
    @Singleton
    StreamsUncaughtExceptionHandler uncaughtExceptionHandler(FisherServiceConfig config) {
        return error -> {
            LOG.errorf(error, "A Fisher stream thread failed; replacing it in %s, and its tasks resume from their last"
                    + " commit", config.retryInterval());
            try {
                Thread.sleep(config.retryInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        };
    }

    @PreDestroy
    void close() {
        if (model != null) {
            model.close();
        }
    }
}
