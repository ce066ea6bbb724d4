package dev.pairstream.trainer;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Decides whether a Fisher snapshot starts a training job for its concept set. The snapshot must have no job yet and
 * count enough pairs. The concept set must have enough pairs with pictures and no queued or running job, and its
 * cool-down must have passed. Finally a worker or a queue place must be free.
 */
final class TriggerPolicy {

    private final int minPairs;
    private final long minFisherPairs;
    private final Duration coolDown;
    private final int maxQueuedJobs;

    TriggerPolicy(int minPairs, long minFisherPairs, Duration coolDown, int maxQueuedJobs) {
        if (minPairs < 1 || minFisherPairs < 1 || maxQueuedJobs < 0) {
            throw new IllegalArgumentException("Invalid trigger policy: min-pairs " + minPairs + " and"
                    + " min-fisher-pairs " + minFisherPairs + " must be at least 1, max-queued-jobs " + maxQueuedJobs
                    + " at least 0");
        }
        this.minPairs = minPairs;
        this.minFisherPairs = minFisherPairs;
        this.coolDown = Objects.requireNonNull(coolDown, "coolDown");
        this.maxQueuedJobs = maxQueuedJobs;
    }

    static TriggerPolicy of(TrainerConfig.Trigger trigger) {
        return new TriggerPolicy(trigger.minPairs(), trigger.minFisherPairs(), trigger.coolDown(),
                trigger.maxQueuedJobs());
    }

    /**
     * The facts about one concept set that a decision uses.
     *
     * @param snapshotHasJob   whether a job (in any state) already exists for the newest snapshot
     * @param fisherPairs      pairs the newest snapshot counts
     * @param pairs            pairs with pictures of the concept set
     * @param activeJob        whether a job of the concept set is queued or running
     * @param lastJobCreatedAt when the concept set's newest job was created, or null for none
     * @param freeWorkers      workers not training a job
     * @param queuedJobs       jobs waiting in the queue, over every concept set
     * @param now              the time of the decision
     */
    record Situation(boolean snapshotHasJob, long fisherPairs, int pairs, boolean activeJob, Instant lastJobCreatedAt,
            int freeWorkers, int queuedJobs, Instant now) {
    }

    /**
     * The outcome.
     *
     * @param start  whether to start a job now
     * @param reason why not, for logs and the REST view; {@code null} when starting
     */
    record Decision(boolean start, String reason) {
    }

    /** Returns whether a new job can be taken: a worker is free, or the queue has room. */
    boolean hasRoom(int freeWorkers, int queuedJobs) {
        return freeWorkers > queuedJobs || queuedJobs < maxQueuedJobs;
    }

    Decision decide(Situation situation) {
        if (situation.snapshotHasJob()) {
            return new Decision(false, "the newest snapshot already has a job");
        }
        if (situation.fisherPairs() < minFisherPairs) {
            return new Decision(false, "the snapshot counts " + situation.fisherPairs() + " pairs, fewer than "
                    + minFisherPairs);
        }
        if (situation.pairs() < minPairs) {
            return new Decision(false, "the concept set has " + situation.pairs() + " pairs with pictures, fewer than "
                    + minPairs);
        }
        if (situation.activeJob()) {
            return new Decision(false, "a job of the concept set is queued or running");
        }
        if (situation.lastJobCreatedAt() != null
                && situation.lastJobCreatedAt().plus(coolDown).isAfter(situation.now())) {
            return new Decision(false, "the cool-down of " + coolDown + " since the last job runs until "
                    + situation.lastJobCreatedAt().plus(coolDown));
        }
        if (!hasRoom(situation.freeWorkers(), situation.queuedJobs())) {
            return new Decision(false, "the queue is full (" + situation.queuedJobs() + " jobs)");
        }
        return new Decision(true, null);
    }
}
