package dev.pairstream.generator;

import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.EventKeys;
import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.erasure.pairing.SafeRewrite;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Turns a batch of flagged-prompt records into pairs and dead letters, without Kafka: reads and checks each record,
 * rewrites the prompts of the whole batch in one call (so the encoder's workers share their sentence embeddings),
 * renders the pictures of the whole batch together and builds the records to publish.
 *
 * <p>The pair id, the pair's record id and the seed depend only on the base model, the catalog version and the prompt
 * id, so processing a record again gives the same pair. A prompt whose pair id the caller reports as published, or
 * that occurs earlier in the same batch, becomes a {@link PairOutcome.Duplicate}.
 *
 * <p>Instances are safe for use by one thread at a time.
 */
public final class PairGenerator {

    private static final Logger LOG = Logger.getLogger(PairGenerator.class);

    private final FlaggedPromptReader reader;
    private final SafePromptRewriter rewriter;
    private final Optional<PictureRenderer> renderer;
    private final boolean otherModelsAsText;
    private final String catalogVersion;
    private final String renderedBaseModelId;
    private final String serviceName;
    private final String groupId;
    private final PairGeneratorMetrics metrics;
    private final Clock clock;

    /**
     * Creates a generator.
     *
     * @param renderer            renders the pictures, or empty for text-only pairs
     * @param renderedBaseModelId base model the renderer draws with. When rendering, other base models are
     *                            rejected. Dead letters of unreadable records carry it as their base model.
     * @param groupId             consumer group, part of the deterministic dead-letter ids
     */
    public PairGenerator(FlaggedPromptReader reader, SafePromptRewriter rewriter, Optional<PictureRenderer> renderer,
            String catalogVersion, String renderedBaseModelId, String serviceName, String groupId,
            PairGeneratorMetrics metrics, Clock clock) {
        this(reader, rewriter, renderer, catalogVersion, renderedBaseModelId, false, serviceName, groupId, metrics,
                clock);
    }

    /**
     * Creates a generator.
     *
     * @param renderer            renders the pictures, or empty for text-only pairs
     * @param renderedBaseModelId base model the renderer draws with. Dead letters of unreadable records carry it as
     *                            their base model.
     * @param otherModelsAsText   when rendering, whether prompts for other base models become text-only pairs;
     *                            otherwise they are rejected
     * @param groupId             consumer group, part of the deterministic dead-letter ids
     */
    public PairGenerator(FlaggedPromptReader reader, SafePromptRewriter rewriter, Optional<PictureRenderer> renderer,
            String catalogVersion, String renderedBaseModelId, boolean otherModelsAsText, String serviceName,
            String groupId, PairGeneratorMetrics metrics, Clock clock) {
        this.otherModelsAsText = otherModelsAsText;
        this.reader = Objects.requireNonNull(reader, "reader");
        this.rewriter = Objects.requireNonNull(rewriter, "rewriter");
        this.renderer = Objects.requireNonNull(renderer, "renderer");
        this.catalogVersion = Objects.requireNonNull(catalogVersion, "catalogVersion");
        this.renderedBaseModelId = Objects.requireNonNull(renderedBaseModelId, "renderedBaseModelId");
        this.serviceName = Objects.requireNonNull(serviceName, "serviceName");
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Returns the meters this generator records into. */
    PairGeneratorMetrics metrics() {
        return metrics;
    }

    /**
     * Processes a batch of records.
     *
     * @param published reports whether a pair id was already published, to drop re-delivered prompts
     * @return one outcome per record, in input order
     */
    public List<PairOutcome> process(List<InputRecord> records, Predicate<String> published) {
        PairOutcome[] outcomes = new PairOutcome[records.size()];
        List<Checked> checked = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            InputRecord record = records.get(i);
            FlaggedPrompt flagged = null;
            try {
                flagged = reader.read(record.topic(), record.value());
                checkBaseModel(flagged);
                checked.add(new Checked(i, record, flagged,
                        PairIds.pairId(flagged.baseModelId(), catalogVersion, flagged.promptId())));
            } catch (PromptRejectedException e) {
                outcomes[i] = deadLetter(record, flagged, e);
            } catch (IllegalArgumentException e) {
                // A rule that the reader does not check, such as a character the pair id rejects. Rejecting the
                // record keeps one bad record from stopping the loop.
                outcomes[i] = deadLetter(record, flagged, new PromptRejectedException(RejectionReason.INVALID_RECORD,
                        e.getMessage(), List.of(), e));
            }
        }
        List<Checked> fresh = new ArrayList<>();
        for (Checked item : checked) {
            if (published.test(item.pairId())) {
                outcomes[item.index()] = duplicate(item);
            } else {
                fresh.add(item);
            }
        }
        List<Attempt> attempts = rewriteAll(fresh);

        List<Rewritten> toRender = new ArrayList<>();
        Set<String> pairIdsInBatch = new HashSet<>();
        for (int k = 0; k < fresh.size(); k++) {
            Checked item = fresh.get(k);
            SafeRewrite rewrite = attempts.get(k).rewrite();
            if (pairIdsInBatch.contains(item.pairId())) {
                outcomes[item.index()] = duplicate(item);
            } else if (rewrite == null) {
                // The prompt breaks a limit of the matcher that the reader does not check. Rejecting the record keeps
                // one bad record from stopping the loop.
                outcomes[item.index()] = deadLetter(item.source(), item.flagged(), new PromptRejectedException(
                        RejectionReason.INVALID_RECORD, attempts.get(k).invalidReason(), List.of(), null));
            } else if (!rewrite.isRewritten()) {
                outcomes[item.index()] = deadLetter(item.source(), item.flagged(), new PromptRejectedException(
                        reasonOf(rewrite), rewrite.reason(), rewrite.conceptIds(), null));
            } else {
                pairIdsInBatch.add(item.pairId());
                Rewritten rewritten = new Rewritten(item.index(), item.source(), item.flagged(), item.pairId(),
                        PairIds.seed(item.pairId()), rewrite);
                if (renderer.isPresent() && item.flagged().baseModelId().equals(renderedBaseModelId)) {
                    toRender.add(rewritten);
                } else {
                    outcomes[item.index()] = publishOrReject(rewritten, null);
                }
            }
        }
        if (!toRender.isEmpty()) {
            renderAll(toRender, outcomes);
        }
        return List.of(outcomes);
    }

    private void checkBaseModel(FlaggedPrompt flagged) throws PromptRejectedException {
        if (renderer.isPresent() && !otherModelsAsText && !flagged.baseModelId().equals(renderedBaseModelId)) {
            throw new PromptRejectedException(RejectionReason.UNSUPPORTED_BASE_MODEL, "base model "
                    + flagged.baseModelId() + " of " + flagged.promptId() + " is not " + renderedBaseModelId
                    + ", the model this service renders; send it to a service for that model or to one in text-only"
                    + " mode");
        }
    }

    private PairOutcome duplicate(Checked item) {
        return new PairOutcome.Duplicate(item.source(), item.pairId(), item.flagged().promptId());
    }

    /**
     * Rewrites the prompts of the batch in one call. When the matcher rejects one prompt, which fails the whole call,
     * rewrites them one by one instead, so that only the rejected prompts fail.
     */
    private List<Attempt> rewriteAll(List<Checked> items) {
        if (items.isEmpty()) {
            return List.of();
        }
        List<String> prompts = items.stream().map(item -> item.flagged().prompt()).toList();
        long start = System.nanoTime();
        try {
            return rewriter.rewriteAll(prompts).stream().map(rewrite -> new Attempt(rewrite, null)).toList();
        } catch (IllegalArgumentException batchFailure) {
            LOG.debugf("The rewriter rejected a prompt of a batch of %d; rewriting them one by one: %s", items.size(),
                    batchFailure.getMessage());
            List<Attempt> attempts = new ArrayList<>(items.size());
            for (Checked item : items) {
                try {
                    attempts.add(new Attempt(rewriter.rewrite(item.flagged().prompt()), null));
                } catch (IllegalArgumentException e) {
                    attempts.add(new Attempt(null, e.getMessage()));
                }
            }
            return attempts;
        } finally {
            metrics.recordRewrite(System.nanoTime() - start);
        }
    }

    private void renderAll(List<Rewritten> toRender, PairOutcome[] outcomes) {
        List<PictureRenderer.RenderRequest> requests = toRender.stream()
                .map(item -> new PictureRenderer.RenderRequest(item.pairId(), item.flagged().prompt(),
                        item.rewrite().safePrompt(), item.seed()))
                .toList();
        long start = System.nanoTime();
        List<PictureRenderer.RenderedPair> pictures;
        try {
            pictures = renderer.orElseThrow().render(requests);
        } catch (IOException | RuntimeException e) {
            // NOTE: a broken model or a full disk dead-letters every rendered record until it is fixed. The dead
            // letters keep the payloads, so they can be replayed.
            LOG.errorf(e, "Failed to render or store the pictures of %d pairs; sending their records to the"
                    + " dead-letter topic", requests.size());
            for (Rewritten item : toRender) {
                outcomes[item.index()] = deadLetter(item.source(), item.flagged(), new PromptRejectedException(
                        RejectionReason.RENDER_FAILED, "rendering or storing the pictures of pair " + item.pairId()
                                + " failed: " + e, item.rewrite().conceptIds(), e));
            }
            return;
        }
        long elapsed = System.nanoTime() - start;
        metrics.recordRender(elapsed);
        LOG.debugf("Rendered the pictures of %d pairs in %s ms", requests.size(), elapsed / 1_000_000);
        for (int i = 0; i < toRender.size(); i++) {
            Rewritten item = toRender.get(i);
            outcomes[item.index()] = publishOrReject(item, pictures.get(i));
        }
    }

    /** Builds the pair, or a dead letter when the pair breaks a rule of the contract, such as a key character. */
    private PairOutcome publishOrReject(Rewritten item, PictureRenderer.RenderedPair pictures) {
        try {
            return publish(item, pictures);
        } catch (IllegalArgumentException e) {
            LOG.errorf(e, "Pair %s of record %s breaks the pair contract; sending the record to the dead-letter"
                    + " topic", item.pairId(), item.flagged().recordId());
            return deadLetter(item.source(), item.flagged(), new PromptRejectedException(
                    RejectionReason.INVALID_RECORD, "pair " + item.pairId() + " is invalid: " + e.getMessage(),
                    item.rewrite().conceptIds(), e));
        }
    }

    private PairOutcome publish(Rewritten item, PictureRenderer.RenderedPair pictures) {
        FlaggedPrompt flagged = item.flagged();
        SafeRewrite rewrite = item.rewrite();
        List<String> conceptIds = rewrite.conceptIds();
        Envelope envelope = new Envelope(item.pairId(), flagged.recordId(), flagged.baseModelId(), conceptIds,
                clock.instant());
        ErasurePair pair = new ErasurePair(envelope, item.pairId(), flagged.prompt(), rewrite.safePrompt(),
                rewrite.catalogVersion(), item.seed(), pictures == null ? null : pictures.unsafePicture(),
                pictures == null ? null : pictures.safePicture(), rewrite.editDistance().orElseThrow(),
                rewrite.embeddingSimilarity().orElseThrow(), rewriter.name());
        String key = EventKeys.conceptSetKey(flagged.baseModelId(), conceptIds);
        return new PairOutcome.Published(item.source(), key, pair, flagged.promptId());
    }

    private PairOutcome deadLetter(InputRecord record, FlaggedPrompt flagged, PromptRejectedException error) {
        String recordId = PairIds.deadLetterId(groupId, record.topic(), record.partition(), record.offset());
        String causationId = flagged != null ? flagged.recordId() : record.coordinates();
        String baseModelId = flagged != null ? flagged.baseModelId() : renderedBaseModelId;
        Envelope envelope = new Envelope(recordId, causationId, baseModelId, error.conceptIds(), clock.instant());
        DeadLetter fromRecord = DeadLetter.fromFailedRecord(serviceName, baseModelId, record.topic(),
                record.partition(), record.offset(), record.key(), record.value(), error, clock.instant());
        DeadLetter deadLetter = new DeadLetter(envelope, record.topic(), record.partition(), record.offset(),
                fromRecord.key(), fromRecord.payload(), fromRecord.reason(), fromRecord.errorClass(), serviceName);
        return new PairOutcome.DeadLettered(record, record.coordinates(), deadLetter, error.reason());
    }

    private static RejectionReason reasonOf(SafeRewrite rewrite) {
        return switch (rewrite.status()) {
            case UNMATCHED -> RejectionReason.UNMATCHED;
            case NO_SPAN_TO_REPLACE -> RejectionReason.NO_SPAN_TO_REPLACE;
            case UNSAFE_TERMS_REMAIN -> RejectionReason.UNSAFE_TERMS_REMAIN;
            case REWRITTEN -> throw new IllegalArgumentException(
                    "status REWRITTEN is invalid here because a rewritten prompt has no rejection reason");
        };
    }

    /** A record that the reader accepted, with its pair id. */
    private record Checked(int index, InputRecord source, FlaggedPrompt flagged, String pairId) {
    }

    /** The rewrite of one prompt, or the reason the rewriter rejected the prompt. */
    private record Attempt(SafeRewrite rewrite, String invalidReason) {
    }

    private record Rewritten(int index, InputRecord source, FlaggedPrompt flagged, String pairId, long seed,
            SafeRewrite rewrite) {
    }
}
