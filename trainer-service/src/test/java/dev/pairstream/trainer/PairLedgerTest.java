package dev.pairstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.OffsetRange;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PairLedgerTest {

    private static final String KEY = "emoji-world-base|pistol";
    private static final ArtifactRef PICTURE = ArtifactRef.of("a".repeat(64), 100, "image/png");

    private static ErasurePair pair(String id, boolean pictures) {
        return new ErasurePair(new Envelope("record-" + id, "flagged-" + id, "emoji-world-base", List.of("pistol"),
                Instant.parse("2026-12-05T10:00:00Z")), id, "a pistol " + id, "a flashlight " + id, "1.0.0", 1L,
                pictures ? PICTURE : null, pictures ? PICTURE : null, 6, 0.8, "catalog-anchor-minimal-edit");
    }

    @Test
    void repeatedPairIdIsKeptOnce() {
        PairLedger ledger = new PairLedger();

        assertThat(ledger.add(KEY, pair("p1", true), 0, 4)).isTrue();
        assertThat(ledger.add(KEY, pair("p1", true), 2, 9)).isFalse();

        assertThat(ledger.count(KEY)).isEqualTo(1);
        assertThat(ledger.newest(KEY, 10).get(0).offset()).isEqualTo(4);
    }

    @Test
    void textOnlyPairIsCountedButNotKept() {
        PairLedger ledger = new PairLedger();

        assertThat(ledger.add(KEY, pair("p1", false), 0, 1)).isFalse();

        assertThat(ledger.count(KEY)).isZero();
        assertThat(ledger.textOnlyCount(KEY)).isEqualTo(1);
    }

    @Test
    void newestPairsComeOldestFirstWithTheirRanges() {
        PairLedger ledger = new PairLedger();
        ledger.add(KEY, pair("p1", true), 1, 3);
        ledger.add(KEY, pair("p2", true), 0, 7);
        ledger.add(KEY, pair("p3", true), 1, 8);
        ledger.add(KEY, pair("p4", true), 0, 12);

        List<PairLedger.Entry> newest = ledger.newest(KEY, 3);

        assertThat(newest).extracting(entry -> entry.pair().pairId()).containsExactly("p2", "p3", "p4");
        assertThat(PairLedger.ranges(newest)).containsExactly(new OffsetRange(0, 7, 12), new OffsetRange(1, 8, 8));
    }
}
