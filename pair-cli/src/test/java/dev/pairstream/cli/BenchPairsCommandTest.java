package dev.pairstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pairstream.contracts.event.FlaggedPrompt;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BenchPairsCommandTest {

    private static final Set<String> CATALOG = Set.of("violence", "illegal_activity", "alcohol", "shocking",
            "harassment");

    @Test
    void categoriesTakeCatalogNames() {
        assertEquals(List.of("illegal_activity", "violence"),
                BenchPairsCommand.categories(List.of("illegal activity", "sexual", "violence"), CATALOG));
    }

    @Test
    void categoriesUnknownToCatalogAreKept() {
        assertEquals(List.of("sexual", "self-harm"),
                BenchPairsCommand.categories(List.of("sexual", "self-harm"), CATALOG));
    }

    @Test
    void vendoredPromptsBecomeFlaggedPrompts() throws Exception {
        List<FlaggedPrompt> prompts = BenchPairsCommand.flaggedPrompts(
                Path.of("..", "datasets", "i2p", "i2p_prompts.csv"), 0, CATALOG);

        assertEquals(4003, prompts.size());
        assertEquals(4003, prompts.stream().map(FlaggedPrompt::promptId).distinct().count());
        assertEquals(1459, prompts.stream().filter(p -> p.categories().stream().noneMatch(CATALOG::contains))
                .count());
    }
}
