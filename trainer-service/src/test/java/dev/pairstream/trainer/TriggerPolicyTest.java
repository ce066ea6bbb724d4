package dev.pairstream.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TriggerPolicyTest {

    private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
    private final TriggerPolicy policy = new TriggerPolicy(32, 16, Duration.ofMinutes(30), 2);

    private static TriggerPolicy.Situation situation(boolean snapshotHasJob, long fisherPairs, int pairs,
            boolean activeJob, Instant lastJob, int freeWorkers, int queued) {
        return new TriggerPolicy.Situation(snapshotHasJob, fisherPairs, pairs, activeJob, lastJob, freeWorkers,
                queued, NOW);
    }

    @Test
    void freshSnapshotWithEnoughPairsStartsJob() {
        assertEquals(new TriggerPolicy.Decision(true, null),
                policy.decide(situation(false, 16, 32, false, null, 1, 0)));
    }

    @Test
    void snapshotThatAlreadyHasJobStartsNothing() {
        assertEquals("the newest snapshot already has a job",
                policy.decide(situation(true, 64, 64, false, null, 1, 0)).reason());
    }

    @Test
    void snapshotOfTooFewPairsWaits() {
        assertEquals("the snapshot counts 15 pairs, fewer than 16",
                policy.decide(situation(false, 15, 64, false, null, 1, 0)).reason());
    }

    @Test
    void conceptSetWithTooFewPairsWaits() {
        assertEquals("the concept set has 31 pairs with pictures, fewer than 32",
                policy.decide(situation(false, 64, 31, false, null, 1, 0)).reason());
    }

    @Test
    void activeJobOfConceptSetBlocksAnother() {
        assertEquals("a job of the concept set is queued or running",
                policy.decide(situation(false, 64, 64, true, null, 1, 0)).reason());
    }

    @Test
    void coolDownBlocksUntilItEnds() {
        Instant lastJob = NOW.minus(Duration.ofMinutes(29));
        assertEquals("the cool-down of PT30M since the last job runs until 2026-12-05T10:01:00Z",
                policy.decide(situation(false, 64, 64, false, lastJob, 1, 0)).reason());
        assertEquals(true, policy.decide(situation(false, 64, 64, false, NOW.minus(Duration.ofMinutes(30)), 1, 0))
                .start());
    }

    @Test
    void fullQueueWithBusyWorkersBlocksJob() {
        assertEquals("the queue is full (2 jobs)",
                policy.decide(situation(false, 64, 64, false, null, 0, 2)).reason());
        assertEquals(true, policy.decide(situation(false, 64, 64, false, null, 0, 1)).start());
    }

    @Test
    void freeWorkerTakesJobEvenWithoutQueue() {
        TriggerPolicy noQueue = new TriggerPolicy(1, 1, Duration.ZERO, 0);
        assertEquals(true, noQueue.hasRoom(1, 0));
        assertEquals(false, noQueue.hasRoom(0, 0));
    }
}
