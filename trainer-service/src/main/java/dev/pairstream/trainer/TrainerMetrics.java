package dev.pairstream.trainer;

import dev.pairstream.contracts.event.TrainingJobState.State;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The trainer's meters: {@code trainer.jobs{state}} (jobs by state), {@code trainer.queue.depth},
 * {@code trainer.jobs.running} (workers busy), {@code trainer.step.seconds} (wall time per training step),
 * {@code trainer.loss{concept_set}} (newest step loss), {@code trainer.jobs.finished{outcome}},
 * {@code trainer.pairs.materialised} and {@code trainer.records.rejected{topic}}.
 */
final class TrainerMetrics {

    private final MeterRegistry registry;
    private final Timer stepTime;
    private final Map<String, AtomicReference<Double>> losses = new ConcurrentHashMap<>();

    TrainerMetrics(MeterRegistry registry, TrainerService service) {
        this.registry = registry;
        for (State state : State.values()) {
            Gauge.builder("trainer.jobs", service, s -> s.count(state))
                    .description("Training jobs by their newest state")
                    .tag("state", state.name().toLowerCase())
                    .register(registry);
        }
        Gauge.builder("trainer.queue.depth", service, TrainerService::queueDepth)
                .description("Jobs waiting for a worker")
                .register(registry);
        Gauge.builder("trainer.jobs.running", service, TrainerService::activeWorkers)
                .description("Workers training a job now")
                .register(registry);
        Gauge.builder("trainer.pairs.materialised", service, TrainerService::materialisedPairs)
                .description("Pairs with pictures read from erasure.pairs")
                .register(registry);
        this.stepTime = Timer.builder("trainer.step.seconds")
                .description("Wall time of one training step")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
    }

    void step(String conceptSetKey, double seconds, double loss) {
        stepTime.record(Duration.ofNanos(Math.round(seconds * 1e9)));
        losses.computeIfAbsent(conceptSetKey, key -> {
            AtomicReference<Double> holder = new AtomicReference<>(Double.NaN);
            Gauge.builder("trainer.loss", holder, AtomicReference::get)
                    .description("Loss of the newest training step of the concept set")
                    .tag("concept_set", key)
                    .register(registry);
            return holder;
        }).set(loss);
    }

    void jobFinished(State outcome) {
        Counter.builder("trainer.jobs.finished")
                .description("Jobs that ended, by outcome")
                .tag("outcome", outcome.name().toLowerCase())
                .register(registry)
                .increment();
    }

    void recordRejected(String topic) {
        Counter.builder("trainer.records.rejected")
                .description("Input records the trainer could not read")
                .tag("topic", topic)
                .register(registry)
                .increment();
    }
}
