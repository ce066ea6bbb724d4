package dev.pairstream.generator;

/**
 * The batch and buffer sizes of the flagged-prompt consumer: the values set under {@code pair.generator.consumer.*},
 * and for those left unset, defaults that depend on the mode. Rendering keeps transactions small (32 records, 64
 * pictures), so a stop or a failure repeats little work. Text-only pairing costs milliseconds a prompt, so it commits
 * 128 records a transaction: on the 2-core machine, 4,003 I2P prompts went through the broker at 338 to 348 prompts/s
 * with 128 against 288 with 32 (docs/benchmarks.md).
 *
 * @param maxPollRecords     maximum records one poll returns
 * @param batchSize          maximum records published in one transaction
 * @param maxBufferedRecords buffered records at which the consumer pauses its partitions
 */
public record ConsumerLimits(int maxPollRecords, int batchSize, int maxBufferedRecords) {

    /** Returns the limits of a configuration. */
    public static ConsumerLimits of(PairGeneratorConfig config) {
        PairGeneratorConfig.Consumer consumer = config.consumer();
        boolean rendering = config.mode() == PairGeneratorConfig.Mode.RENDER;
        return new ConsumerLimits(consumer.maxPollRecords().orElse(rendering ? 64 : 256),
                consumer.batchSize().orElse(rendering ? 32 : 128),
                consumer.maxBufferedRecords().orElse(rendering ? 256 : 512));
    }
}
