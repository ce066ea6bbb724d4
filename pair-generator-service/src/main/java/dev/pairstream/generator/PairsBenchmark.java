package dev.pairstream.generator;

import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.contracts.topic.Topics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Measures how many flagged prompts per second the text-only pair generator turns into pairs or dead letters, once
 * through a Kafka broker with the service's transactional consumer loop and once in process on the same prompts.
 *
 * <p>Through the broker: the loop starts and handles one warm-up prompt, so that the consumer group has its
 * partitions; then every prompt is produced to {@code moderation.flagged-prompts}, and the clock runs from the first
 * send until a {@code read_committed} reader has seen one output (a pair or a dead letter) per prompt. In process:
 * the same records go through {@link PairGenerator#process} in the consumer's batch size, with no Kafka. Each side
 * gets its own generator, so neither finds the other's prompts in the encoder's cache. The broker side runs first,
 * so the in-process side has the warmer JIT and the ratio errs low.
 */
public final class PairsBenchmark {

    private static final Logger LOG = Logger.getLogger(PairsBenchmark.class);

    private static final String WARM_UP_PROMPT = "a red apple on a blue background";

    private PairsBenchmark() {
    }

    /**
     * Outputs of one side.
     *
     * @param pairs       prompts published as pairs
     * @param deadLetters prompts sent to the dead-letter topic
     */
    public record Outputs(int pairs, int deadLetters) {
    }

    /**
     * Figures of one benchmark run.
     *
     * @param prompts          prompts measured on each side, the warm-up prompt not counted
     * @param brokerSeconds    wall time through the broker, from the first send to the last output
     * @param inProcessSeconds wall time of the in-process pass
     * @param broker           what came out of the broker side
     * @param inProcess        what came out of the in-process side
     * @param inProcessReasons dead letters of the in-process side per rejection reason
     * @param inProcessRewriteSeconds time of the in-process side in the rewriter (catalog terms, sentence embeddings
     *                         and the pairs' similarity), from the generator's {@code pair.generator.rewrite} timer
     */
    public record Result(int prompts, double brokerSeconds, double inProcessSeconds, Outputs broker, Outputs inProcess,
            Map<String, Integer> inProcessReasons, double inProcessRewriteSeconds) {

        public double brokerPromptsPerSecond() {
            return prompts / brokerSeconds;
        }

        public double inProcessPromptsPerSecond() {
            return prompts / inProcessSeconds;
        }

        /** Returns the broker throughput as a share of the in-process one. */
        public double ratio() {
            return brokerPromptsPerSecond() / inProcessPromptsPerSecond();
        }
    }

    /**
     * Runs both sides.
     *
     * @param prompts          flagged prompts with distinct prompt ids
     * @param bootstrapServers a broker whose pipeline topics exist and are empty
     * @param encoderThreads   ONNX Runtime threads of each side's sentence encoder
     * @param encoderWorkers   sentence embeddings each side's encoder computes side by side
     * @param timeout          longest wait for the broker side's outputs
     * @throws TimeoutException when the broker side has not produced every output within {@code timeout}
     */
    public static Result run(List<FlaggedPrompt> prompts, String bootstrapServers, int encoderThreads,
            int encoderWorkers, Duration timeout) throws TimeoutException, InterruptedException {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("Missing prompts: the benchmark needs at least one");
        }
        List<byte[]> values = new ArrayList<>(prompts.size());
        for (FlaggedPrompt prompt : prompts) {
            values.add(Topics.FLAGGED_PROMPTS.valueSerde().serializer().serialize(Topics.FLAGGED_PROMPTS.name(),
                    prompt));
        }
        FlaggedPrompt first = prompts.get(0);
        FlaggedPrompt warmUp = new FlaggedPrompt(Envelope.root("bench-warm-up", first.baseModelId(),
                first.createdAt()), "bench-warm-up", WARM_UP_PROMPT, List.of("violence"), first.tenant(),
                first.source(), first.flaggedAt());
        byte[] warmUpValue = Topics.FLAGGED_PROMPTS.valueSerde().serializer()
                .serialize(Topics.FLAGGED_PROMPTS.name(), warmUp);

        long[] brokerRun = new long[1];
        Outputs brokerOutputs = throughBroker(prompts, values, warmUpValue, bootstrapServers, encoderThreads,
                encoderWorkers, timeout, brokerRun);
        double brokerSeconds = brokerRun[0] / 1e9;
        LOG.infof("Through the broker: %d prompts in %.2f s (%d pairs, %d dead letters)", prompts.size(),
                brokerSeconds, brokerOutputs.pairs(), brokerOutputs.deadLetters());

        Map<String, Integer> reasons = new TreeMap<>();
        long[] inProcessRun = new long[2];
        Outputs inProcessOutputs = inProcess(values, warmUpValue, encoderThreads, encoderWorkers, reasons,
                inProcessRun);
        double inProcessSeconds = inProcessRun[0] / 1e9;
        double rewriteSeconds = inProcessRun[1] / 1e9;
        LOG.infof("In process: %d prompts in %.2f s, %.2f s of it rewriting (%d pairs, %d dead letters)",
                prompts.size(), inProcessSeconds, rewriteSeconds, inProcessOutputs.pairs(),
                inProcessOutputs.deadLetters());
        return new Result(prompts.size(), brokerSeconds, inProcessSeconds, brokerOutputs, inProcessOutputs,
                reasons, rewriteSeconds);
    }

    private static Outputs throughBroker(List<FlaggedPrompt> prompts, List<byte[]> values, byte[] warmUpValue,
            String bootstrapServers, int encoderThreads, int encoderWorkers, Duration timeout, long[] elapsedNanos)
            throws TimeoutException, InterruptedException {
        EmbeddedGeneratorSettings settings = EmbeddedGeneratorSettings.textOnly("pairs-benchmark",
                "pairs-benchmark", encoderThreads, encoderWorkers);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PairGeneratorComponents components = new PairGeneratorComponents(settings, registry);
        Map<String, Object> kafka = Map.of("bootstrap.servers", bootstrapServers);
        FlaggedPromptConsumer consumer = new FlaggedPromptConsumer(settings, components, kafka, registry);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ProducerConfig.LINGER_MS_CONFIG, 5,
                        ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
                OutputReader outputs = new OutputReader(bootstrapServers)) {
            components.generator();
            consumer.start();
            producer.send(new ProducerRecord<>(Topics.FLAGGED_PROMPTS.name(), "bench-warm-up", warmUpValue));
            producer.flush();
            outputs.awaitTotal(1, timeout);
            Outputs beforeRun = outputs.snapshot();

            long start = System.nanoTime();
            for (int i = 0; i < values.size(); i++) {
                producer.send(new ProducerRecord<>(Topics.FLAGGED_PROMPTS.name(), prompts.get(i).promptId(),
                        values.get(i)));
            }
            producer.flush();
            outputs.awaitTotal(1 + values.size(), timeout);
            elapsedNanos[0] = System.nanoTime() - start;
            Outputs afterRun = outputs.snapshot();
            return new Outputs(afterRun.pairs() - beforeRun.pairs(),
                    afterRun.deadLetters() - beforeRun.deadLetters());
        } finally {
            consumer.stop();
            components.close();
        }
    }

    /**
     * Runs the in-process side.
     *
     * @param elapsedNanos receives the pass's wall time at index 0 and its time in the rewriter at index 1
     */
    private static Outputs inProcess(List<byte[]> values, byte[] warmUpValue, int encoderThreads,
            int encoderWorkers, Map<String, Integer> reasons, long[] elapsedNanos) {
        EmbeddedGeneratorSettings settings = EmbeddedGeneratorSettings.textOnly(
                "pairs-benchmark-in-process", "pairs-benchmark-in-process", encoderThreads, encoderWorkers);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PairGeneratorComponents components = new PairGeneratorComponents(settings, registry);
        try {
            PairGenerator generator = components.generator();
            String topic = Topics.FLAGGED_PROMPTS.name();
            generator.process(List.of(new InputRecord(topic, 0, 0, null, warmUpValue)), id -> false);
            Timer rewrite = registry.get("pair.generator.rewrite").timer();
            double rewriteBefore = rewrite.totalTime(TimeUnit.NANOSECONDS);
            int batchSize = ConsumerLimits.of(settings).batchSize();
            int pairs = 0;
            int deadLetters = 0;
            long start = System.nanoTime();
            for (int from = 0; from < values.size(); from += batchSize) {
                List<InputRecord> batch = new ArrayList<>(batchSize);
                for (int i = from; i < Math.min(values.size(), from + batchSize); i++) {
                    batch.add(new InputRecord(topic, 0, 1 + i, null, values.get(i)));
                }
                for (PairOutcome outcome : generator.process(batch, id -> false)) {
                    if (outcome instanceof PairOutcome.Published) {
                        pairs++;
                    } else if (outcome instanceof PairOutcome.DeadLettered dead) {
                        deadLetters++;
                        reasons.merge(dead.reason().tag(), 1, Integer::sum);
                    }
                }
            }
            elapsedNanos[0] = System.nanoTime() - start;
            elapsedNanos[1] = Math.round(rewrite.totalTime(TimeUnit.NANOSECONDS) - rewriteBefore);
            return new Outputs(pairs, deadLetters);
        } finally {
            components.close();
        }
    }

    /** Counts committed pairs and dead letters from the start of both topics. */
    private static final class OutputReader implements AutoCloseable {

        private final KafkaConsumer<byte[], byte[]> consumer;
        private int pairs;
        private int deadLetters;

        OutputReader(String bootstrapServers) {
            consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.PAIRS.name(), Topics.DEAD_LETTERS.name())) {
                consumer.partitionsFor(topic).forEach(info -> partitions.add(
                        new TopicPartition(info.topic(), info.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        void awaitTotal(int total, Duration timeout) throws TimeoutException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (pairs + deadLetters < total) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("Timed out after " + timeout + ": " + (pairs + deadLetters) + " of "
                            + total + " outputs on " + Topics.PAIRS.name() + " and " + Topics.DEAD_LETTERS.name()
                            + "; check the pair generator's log for a failing Kafka loop");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                    if (record.topic().equals(Topics.PAIRS.name())) {
                        pairs++;
                    } else {
                        deadLetters++;
                    }
                }
            }
        }

        Outputs snapshot() {
            return new Outputs(pairs, deadLetters);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
