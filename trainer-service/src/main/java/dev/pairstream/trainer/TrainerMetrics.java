package dev.pairstream.trainer;

import dev.pairstream.contracts.event.TrainingJobState.State;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The trainer's meters: {@code trainer.jobs{state}} (jobs by state), {@code trainer.queue.depth},
 * {@code trainer.jobs.running} (workers busy), {@code trainer.step.seconds} (wall time per training step),
 * {@code trainer.loss{concept_set}} (newest step loss), {@code trainer.job.progress{concept_set}} (share of the
 * newest job's steps done), {@code trainer.jobs.finished{outcome}}, {@code trainer.pairs.materialised} and
 * {@code trainer.records.rejected{topic}}. The counters of every outcome and input topic exist from the start at
 * zero, so that an alert on their increase detects the first failure.
 */
final class TrainerMetrics {

    private final MeterRegistry registry;
    private final Timer stepTime;
    private final Map<String, AtomicReference<Double>> losses = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<Double>> progress = new ConcurrentHashMap<>();
    private final Map<State, Counter> finished = new EnumMap<>(State.class);
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();

    TrainerMetrics(MeterRegistry registry, TrainerService service, List<String> inputTopics) {
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
        for (State outcome : List.of(State.SUCCEEDED, State.FAILED, State.CANCELLED)) {
            finished.put(outcome, Counter.builder("trainer.jobs.finished")
                    .description("Jobs that ended, by outcome")
                    .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                    .register(registry));
        }
        for (String topic : inputTopics) {
            rejectedCounter(topic);
        }
    }

    void step(String conceptSetKey, double seconds, double loss, double share) {
        stepTime.record(Duration.ofNanos(Math.round(seconds * 1e9)));
        gauge(losses, "trainer.loss", "Loss of the newest training step of the concept set", conceptSetKey)
                .set(loss);
        gauge(progress, "trainer.job.progress", "Share of the steps done by the concept set's newest job",
                conceptSetKey).set(share);
    }

    private AtomicReference<Double> gauge(Map<String, AtomicReference<Double>> holders, String name,
            String description, String conceptSetKey) {
        return holders.computeIfAbsent(conceptSetKey, key -> {
            AtomicReference<Double> holder = new AtomicReference<>(Double.NaN);
            Gauge.builder(name, holder, AtomicReference::get)
                    .description(description)
                    .tag("concept_set", key)
                    .register(registry);
            return holder;
        });
    }

    void jobFinished(State outcome) {
        Counter counter = finished.get(outcome);
        if (counter != null) {
            counter.increment();
        }
    }

    void recordRejected(String topic) {
        rejectedCounter(topic).increment();
    }

    private Counter rejectedCounter(String topic) {
        return rejected.computeIfAbsent(topic, name -> Counter.builder("trainer.records.rejected")
                .description("Input records the trainer could not read")
                .tag("topic", name)
                .register(registry));
    }
}
