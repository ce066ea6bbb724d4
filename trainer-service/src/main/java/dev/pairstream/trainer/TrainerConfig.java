package dev.pairstream.trainer;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Settings of the trainer-service ({@code pair.trainer.*}); application.properties documents every key. */
@ConfigMapping(prefix = "pair.trainer")
public interface TrainerConfig {

    /** Id of the base model this service trains adapters for; jobs of other models fail. */
    @WithDefault("emoji-world-base")
    String baseModelId();

    /** Model folder of that base model, as the base-model export writes it. */
    @WithDefault("models/emoji-world-base")
    Path modelFolder();

    /** Concept catalog JSON file for the neutral prompts; unset means the catalog built into erasure-core. */
    Optional<Path> catalog();

    /**
     * The grouping of concepts into the concept sets that jobs train: {@code concept} (one set per concept) or {@code category}
     * (one per moderation category of the catalog). It must match the fisher-service's {@code pair.fisher.concept-sets},
     * since a job starts from a Fisher snapshot of its set.
     */
    @WithDefault("concept")
    String conceptSets();

    /** Root folder of the file-system artifact store: pair pictures, Fisher tensors and adapters. */
    @WithDefault("data/artifacts")
    Path artifactStore();

    /** Folder of the jobs' specifications and checkpoints; it must survive a restart for jobs to resume. */
    @WithDefault("data/trainer")
    Path stateFolder();

    /** When the trigger policy starts a job. */
    Trigger trigger();

    /** Default hyper-parameters of a job; a job started by hand may override them. */
    Training training();

    /** The reader of the input topics. */
    Reader reader();

    /** Trigger policy. */
    interface Trigger {

        /** Whether snapshots start jobs on their own; when false, only the REST API starts jobs. */
        @WithDefault("true")
        boolean enabled();

        /** Pairs with pictures a concept set needs before a job starts. */
        @WithDefault("32")
        int minPairs();

        /** Pairs a Fisher snapshot must count before it starts a job. */
        @WithDefault("16")
        long minFisherPairs();

        /** Minimum time between the starts of two jobs of one concept set. */
        @WithDefault("30m")
        Duration coolDown();

        /** Jobs that train at the same time; further jobs wait in the queue. */
        @WithDefault("1")
        int maxConcurrentJobs();

        /** Jobs that may wait in the queue; readiness goes down when it is full and every worker is busy. */
        @WithDefault("8")
        int maxQueuedJobs();
    }

    /** Default hyper-parameters. */
    interface Training {

        @WithDefault("400")
        int steps();

        @WithDefault("8")
        int batchSize();

        @WithDefault("0.003")
        double learningRate();

        @WithDefault("4")
        int rank();

        @WithDefault("4")
        double alpha();

        @WithDefault("1")
        double preservationWeight();

        @WithDefault("1")
        double neutralWeight();

        @WithDefault("20250301")
        long seed();

        /** Steps between checkpoints; a restarted job loses at most this many steps. */
        @WithDefault("25")
        int checkpointEvery();

        /** Neutral prompts rendered by the base model for the preservation term. */
        @WithDefault("32")
        int neutralExamples();

        /** DDIM steps of those renders. */
        @WithDefault("25")
        int neutralSamplingSteps();

        /** Minimum time between two RUNNING records of one job. */
        @WithDefault("5s")
        Duration progressInterval();
    }

    /** Reader of erasure.pairs, erasure.fisher, erasure.training-jobs and erasure.adapters.candidates. */
    interface Reader {

        @WithDefault("500ms")
        Duration pollTimeout();

        /** Wait before the reader reconnects after a failure. */
        @WithDefault("5s")
        Duration retryInterval();

        /** Transactional id of the producer; unset means trainer-service-&lt;host name&gt;. */
        Optional<String> transactionalId();
    }
}
