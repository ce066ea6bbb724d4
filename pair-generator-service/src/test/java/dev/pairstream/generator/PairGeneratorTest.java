package dev.pairstream.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.pairing.ConceptMatcher;
import dev.pairstream.erasure.pairing.SafeCounterpartWriter;
import dev.pairstream.erasure.pairing.SafeRewrite;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PairGeneratorTest {

    private static final Instant NOW = Instant.parse("2026-12-05T01:00:00Z");

    private static MiniLmTextEncoder encoder;
    private static PairGenerator generator;
    private static SimpleMeterRegistry registry;

    @BeforeAll
    static void loadEncoder() {
        encoder = MiniLmTextEncoder.builder().intraOpThreads(1).build();
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        ConceptMatcher matcher = new ConceptMatcher(catalog, encoder);
        SafePromptRewriter rewriter = new MinimalEditRewriter(new SafeCounterpartWriter(matcher, encoder));
        FlaggedPromptReader reader = new FlaggedPromptReader(2000, catalog.categories(), catalog.version());
        registry = new SimpleMeterRegistry();
        generator = new PairGenerator(reader, rewriter, Optional.empty(), catalog.version(), TestPrompts.BASE_MODEL,
                PairGeneratorTopics.SERVICE_NAME, "group-a", new PairGeneratorMetrics(registry),
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterAll
    static void closeEncoder() {
        encoder.close();
    }

    @Test
    void rewritesTwoSpansWithArticles() {
        // Given a prompt with two unsafe concepts, one after "an"
        FlaggedPrompt flagged = TestPrompts.flagged("pg-1", "a pistol and an axe on a table");

        // When the generator processes it in text-only mode
        List<PairOutcome> outcomes = generator.process(List.of(TestPrompts.record(5, TestPrompts.json(flagged))),
                id -> false);

        // Then one pair replaces both spans and fixes the article
        PairOutcome.Published published = assertInstanceOf(PairOutcome.Published.class, outcomes.get(0));
        ErasurePair pair = published.pair();
        String expectedPairId = PairIds.pairId(TestPrompts.BASE_MODEL, "1.0.0", "pg-1");
        assertEquals("a flashlight and a hammer on a table", pair.safePrompt());
        assertEquals("a pistol and an axe on a table", pair.unsafePrompt());
        assertEquals(expectedPairId, pair.pairId());
        assertEquals(expectedPairId, pair.recordId());
        assertEquals("record-pg-1", pair.causationId());
        assertEquals(TestPrompts.BASE_MODEL, pair.baseModelId());
        assertEquals(Set.of("pistol", "axe"), Set.copyOf(pair.conceptIds()));
        assertEquals("1.0.0", pair.catalogVersion());
        assertEquals(PairIds.seed(expectedPairId), pair.seed());
        assertEquals(14, pair.editDistance());
        assertEquals(SafeCounterpartWriter.NAME, pair.rewriter());
        assertEquals(NOW, pair.createdAt());
        assertNull(pair.unsafePicture());
        assertNull(pair.safePicture());
        assertThat(pair.embeddingSimilarity()).isBetween(0.0, 1.0);
        assertEquals("emoji-world-base|axe,pistol", published.key());
        assertEquals("pg-1", published.promptId());
    }

    @Test
    void keepsPluralAndCapitalLetter() {
        FlaggedPrompt flagged = TestPrompts.flagged("pg-2", "Two Knives next to a beer", List.of("violence",
                "alcohol"));

        List<PairOutcome> outcomes = generator.process(List.of(TestPrompts.record(6, TestPrompts.json(flagged))),
                id -> false);

        ErasurePair pair = assertInstanceOf(PairOutcome.Published.class, outcomes.get(0)).pair();
        assertEquals("Two Spoons next to a cup with straw", pair.safePrompt());
        assertEquals(18, pair.editDistance());
    }

    @Test
    void deadLettersUnmatchedPromptWithReason() {
        // Given a prompt that names no unsafe concept
        FlaggedPrompt flagged = TestPrompts.flagged("pg-3", "a quiet meadow with yellow flowers at sunset");
        byte[] value = TestPrompts.json(flagged);

        // When it is processed
        List<PairOutcome> outcomes = generator.process(List.of(TestPrompts.record(7, value)), id -> false);

        // Then it becomes a dead letter that names the failed record and keeps its bytes
        PairOutcome.DeadLettered dead = assertInstanceOf(PairOutcome.DeadLettered.class, outcomes.get(0));
        DeadLetter letter = dead.deadLetter();
        assertEquals(RejectionReason.UNMATCHED, dead.reason());
        assertEquals("moderation.flagged-prompts-0@7", dead.key());
        assertEquals("record-pg-3", letter.causationId());
        assertEquals(PairIds.deadLetterId("group-a", Topics.FLAGGED_PROMPTS.name(), 0, 7), letter.recordId());
        assertEquals(7, letter.sourceOffset());
        assertEquals(PromptRejectedException.class.getName(), letter.errorClass());
        assertEquals(PairGeneratorTopics.SERVICE_NAME, letter.serviceName());
        assertThat(letter.reason()).startsWith("no catalog term of an UNSAFE concept occurs in the prompt, and its"
                + " highest sentence similarity");
        assertEquals(new String(value, StandardCharsets.UTF_8),
                new String(letter.payload().decode(), StandardCharsets.UTF_8));
    }

    @Test
    void deadLettersUnreadableRecordUnderItsCoordinates() {
        byte[] value = "not json".getBytes(StandardCharsets.UTF_8);

        List<PairOutcome> outcomes = generator.process(List.of(TestPrompts.record(8, value)), id -> false);

        PairOutcome.DeadLettered dead = assertInstanceOf(PairOutcome.DeadLettered.class, outcomes.get(0));
        assertEquals(RejectionReason.INVALID_RECORD, dead.reason());
        assertEquals("moderation.flagged-prompts-0@8", dead.deadLetter().causationId());
        assertEquals(TestPrompts.BASE_MODEL, dead.deadLetter().baseModelId());
    }

    @Test
    void marksRepeatedPromptIdsAsDuplicates() {
        // Given the same prompt id twice in one batch and a third prompt whose pair was already published
        byte[] first = TestPrompts.json(TestPrompts.flagged("pg-4", "a bomb in a box"));
        byte[] again = TestPrompts.json(TestPrompts.flagged("pg-4", "a bomb in a box"));
        byte[] published = TestPrompts.json(TestPrompts.flagged("pg-5", "a dagger"));
        String publishedId = PairIds.pairId(TestPrompts.BASE_MODEL, "1.0.0", "pg-5");

        // When the batch is processed
        List<PairOutcome> outcomes = generator.process(List.of(TestPrompts.record(9, first),
                TestPrompts.record(10, again), TestPrompts.record(11, published)), publishedId::equals);

        // Then only the first occurrence becomes a pair
        assertEquals("a balloon in a box",
                assertInstanceOf(PairOutcome.Published.class, outcomes.get(0)).pair().safePrompt());
        PairOutcome.Duplicate repeated = assertInstanceOf(PairOutcome.Duplicate.class, outcomes.get(1));
        assertEquals(PairIds.pairId(TestPrompts.BASE_MODEL, "1.0.0", "pg-4"), repeated.pairId());
        PairOutcome.Duplicate known = assertInstanceOf(PairOutcome.Duplicate.class, outcomes.get(2));
        assertEquals(publishedId, known.pairId());
    }

    @Test
    void rejectedPromptDeadLettersOnlyItsRecord() {
        // Given a rewriter that rejects prompts with a marker word, as the matcher rejects prompts over its limits
        MinimalEditRewriter real = new MinimalEditRewriter(new SafeCounterpartWriter(
                new ConceptMatcher(ConceptCatalog.loadDefault(), encoder), encoder));
        SafePromptRewriter strict = new SafePromptRewriter() {
            @Override
            public String name() {
                return real.name();
            }

            @Override
            public SafeRewrite rewrite(String prompt) {
                if (prompt.contains("forbidden")) {
                    throw new IllegalArgumentException("prompt \"" + prompt + "\" is over a matcher limit");
                }
                return real.rewrite(prompt);
            }

            @Override
            public List<SafeRewrite> rewriteAll(List<String> prompts) {
                prompts.forEach(this::rewrite);
                return real.rewriteAll(prompts);
            }
        };
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        PairGenerator strictGenerator = new PairGenerator(new FlaggedPromptReader(2000, catalog.categories(),
                catalog.version()), strict, Optional.empty(), catalog.version(), TestPrompts.BASE_MODEL,
                PairGeneratorTopics.SERVICE_NAME, "group-a", new PairGeneratorMetrics(new SimpleMeterRegistry()),
                Clock.fixed(NOW, ZoneOffset.UTC));

        // When a batch contains that prompt between two good ones
        List<PairOutcome> outcomes = strictGenerator.process(List.of(
                TestPrompts.record(20, TestPrompts.json(TestPrompts.flagged("pg-20", "a bomb on a chair"))),
                TestPrompts.record(21, TestPrompts.json(TestPrompts.flagged("pg-21", "a forbidden dagger"))),
                TestPrompts.record(22, TestPrompts.json(TestPrompts.flagged("pg-22", "a syringe")))), id -> false);

        // Then the good ones become pairs and the rejected one a dead letter with the rewriter's reason
        assertEquals("a balloon on a chair",
                assertInstanceOf(PairOutcome.Published.class, outcomes.get(0)).pair().safePrompt());
        PairOutcome.DeadLettered dead = assertInstanceOf(PairOutcome.DeadLettered.class, outcomes.get(1));
        assertEquals(RejectionReason.INVALID_RECORD, dead.reason());
        assertThat(dead.deadLetter().reason()).contains("prompt \"a forbidden dagger\" is over a matcher limit");
        assertEquals("a thermometer",
                assertInstanceOf(PairOutcome.Published.class, outcomes.get(2)).pair().safePrompt());
    }

    @Test
    void countsCommittedOutcomesByKind() {
        // Given a fresh registry and one pair, one unmatched prompt and one unreadable record
        SimpleMeterRegistry fresh = new SimpleMeterRegistry();
        PairGeneratorMetrics metrics = new PairGeneratorMetrics(fresh);
        List<PairOutcome> outcomes = generator.process(List.of(
                TestPrompts.record(12, TestPrompts.json(TestPrompts.flagged("pg-6", "a skull")))
                , TestPrompts.record(13, TestPrompts.json(TestPrompts.flagged("pg-7", "a red bicycle on grass")))
                , TestPrompts.record(14, new byte[] {'{'})), id -> false);

        // When they are counted as committed
        metrics.recordCommitted(outcomes);

        // Then every counter shows its share
        assertEquals(3.0, fresh.get("pair.generator.flagged.in").counter().count());
        assertEquals(1.0, fresh.get("pair.generator.pairs.out").counter().count());
        assertEquals(1.0, fresh.get("pair.generator.unmatched").counter().count());
        assertEquals(1.0, fresh.get("pair.generator.dead.letters").tag("reason", "unmatched").counter().count());
        assertEquals(1.0, fresh.get("pair.generator.dead.letters").tag("reason", "invalid_record").counter()
                .count());
    }
}
