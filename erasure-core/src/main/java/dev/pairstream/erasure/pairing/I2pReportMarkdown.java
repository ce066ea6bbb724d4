package dev.pairstream.erasure.pairing;

import dev.pairstream.erasure.pairing.I2pPairingReport.CategoryCount;
import dev.pairstream.erasure.pairing.I2pPairingReport.NearMiss;
import dev.pairstream.erasure.pairing.I2pPairingReport.Result;
import dev.pairstream.erasure.pairing.I2pPairingReport.Sample;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Formats an {@link I2pPairingReport.Result} as a Markdown section with tables. */
final class I2pReportMarkdown {

    private static final int TOP_PHRASES = 15;

    private static final double[] SIMILARITY_STEPS = {0.4, 0.5, 0.6, 0.7,
        ConceptMatcher.DEFAULT_SIMILARITY_THRESHOLD};

    private I2pReportMarkdown() {
    }

    static String format(Result result, String command) {
        StringBuilder md = new StringBuilder();
        md.append("### ").append(result.similarity() ? "Catalog terms, then all-MiniLM-L6-v2 similarity"
                : "Catalog terms only").append("\n\n");
        md.append("Command: `").append(command).append("`\n\n");
        int prompts = result.prompts();
        md.append(String.format(Locale.ROOT, "Source `%s`, catalog %s: %d prompts, %d rejected as blank or too"
                        + " long. Matching and rewriting took %.1f s, %.2f ms per prompt.%n%n", result.source(),
                result.catalogVersion(), prompts, result.rejected(), result.elapsedNanos() / 1e9,
                prompts == 0 ? 0 : result.elapsedNanos() / 1e6 / prompts));

        appendOutcomes(md, result);
        appendCategories(md, result);
        appendPhrases(md, result);
        if (result.similarity()) {
            appendSimilarity(md, result);
        }
        appendSamples(md, result);
        return md.toString();
    }

    /** Makes text safe for one Markdown table cell: one line, no column breaks, no HTML. */
    static String escape(String text) {
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
                .replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static void appendOutcomes(StringBuilder md, Result result) {
        md.append("| result | prompts | share |\n|---|---:|---:|\n");
        for (MatchOutcome outcome : MatchOutcome.values()) {
            appendCountRow(md, "match: " + outcome, result.count(outcome), result.prompts());
        }
        for (RewriteStatus status : RewriteStatus.values()) {
            appendCountRow(md, "rewrite: " + status, result.count(status), result.prompts());
        }
    }

    private static void appendCategories(StringBuilder md, Result result) {
        md.append("\nPer I2P category (a prompt with several categories counts in each):\n\n");
        md.append("| category | prompts | term match | similarity match | rewritten |\n|---|---:|---:|---:|---:|\n");
        for (CategoryCount category : result.categories().values()) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s |%n", category.category(),
                    category.prompts(), share(category.termMatches(), category.prompts()),
                    share(category.semanticMatches(), category.prompts()),
                    share(category.rewritten(), category.prompts())));
        }
    }

    private static void appendPhrases(StringBuilder md, Result result) {
        md.append("\nMost frequent matched phrases (concept: catalog phrase, plurals counted with the singular):\n\n");
        md.append("| concept: phrase | spans |\n|---|---:|\n");
        result.phrases().entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(TOP_PHRASES)
                .forEach(entry -> md.append("| ").append(escape(entry.getKey())).append(" | ")
                        .append(entry.getValue()).append(" |\n"));
    }

    private static void appendSimilarity(StringBuilder md, Result result) {
        List<Double> sorted = result.closest().stream().sorted().toList();
        md.append("\n").append(sorted.size()).append(" prompts had no catalog term and went to the similarity"
                + " fallback.");
        if (sorted.isEmpty()) {
            md.append("\n");
            return;
        }
        md.append(String.format(Locale.ROOT, " Their highest similarity to a concept: median %.3f, 90th percentile"
                        + " %.3f, 99th percentile %.3f, maximum %.3f.%n%n", percentile(sorted, 50),
                percentile(sorted, 90), percentile(sorted, 99), sorted.get(sorted.size() - 1)));

        md.append("| threshold | prompts at or above it |\n|---:|---:|\n");
        for (double threshold : SIMILARITY_STEPS) {
            long count = sorted.stream().filter(score -> score >= threshold).count();
            md.append(String.format(Locale.ROOT, "| %.2f | %d |%n", threshold, count));
        }

        md.append("\nThe unmatched prompts closest to a concept:\n\n| id | closest concept | similarity | prompt |\n")
                .append("|---|---|---:|---|\n");
        for (NearMiss miss : result.nearMisses()) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %s |%n", miss.prompt().id(),
                    miss.closest().conceptId(), miss.closest().similarity(), escape(miss.prompt().prompt())));
        }
    }

    private static void appendSamples(StringBuilder md, Result result) {
        if (result.samples().isEmpty()) {
            return;
        }
        md.append("\n").append(result.samples().size()).append(" sampled rewrites, in file order:\n\n");
        md.append("| id | categories | unsafe prompt | safe prompt | edit distance | similarity |\n")
                .append("|---|---|---|---|---:|---:|\n");
        for (Sample sample : result.samples()) {
            SafeRewrite rewrite = sample.rewrite();
            String similarity = rewrite.embeddingSimilarity().isPresent()
                    ? String.format(Locale.ROOT, "%.3f", rewrite.embeddingSimilarity().getAsDouble()) : "-";
            md.append("| ").append(sample.prompt().id())
                    .append(" | ").append(escape(String.join(", ", sample.prompt().categories())))
                    .append(" | ").append(escape(rewrite.unsafePrompt()))
                    .append(" | ").append(escape(rewrite.safePrompt()))
                    .append(" | ").append(rewrite.editDistance().orElseThrow())
                    .append(" | ").append(similarity)
                    .append(" |\n");
        }
    }

    /** Returns the nearest-rank percentile of sorted values. */
    private static double percentile(List<Double> sorted, int percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static void appendCountRow(StringBuilder md, String label, int count, int total) {
        md.append("| ").append(label).append(" | ").append(count).append(" | ")
                .append(String.format(Locale.ROOT, "%.1f%%", total == 0 ? 0.0 : 100.0 * count / total))
                .append(" |\n");
    }

    private static String share(int count, int total) {
        return String.format(Locale.ROOT, "%d (%.1f%%)", count, total == 0 ? 0.0 : 100.0 * count / total);
    }
}
