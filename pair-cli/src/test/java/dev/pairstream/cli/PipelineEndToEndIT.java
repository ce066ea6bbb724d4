package dev.pairstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The main job in a reduced size, over the real broker and the four packaged services, each in its own process, with
 * a real Prometheus scraping them: {@code ./pair demo} with few prompts, steps and evaluation pictures. While every
 * process still runs, each PromQL expression of the Grafana dashboards and each alert rule is evaluated by that
 * Prometheus and must return data. An alert expression is checked without its comparison to a number, because that
 * part is the signal the alert watches. The rule itself must load and evaluate without error.
 *
 * <p>Prometheus comes from Debian's {@code prometheus} package, which {@code .ci/run} installs. Without it the test
 * is skipped, unless {@code PAIRSTREAM_E2E_REQUIRE_PROMETHEUS=true}, which CI sets, makes that a failure.
 */
class PipelineEndToEndIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern NUMBER_COMPARISON = Pattern.compile(
            "\\s*(==|!=|>=|<=|>|<)\\s*(bool\\s+)?[-+]?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?");

    @Test
    void reducedDemoAnswersEveryQuery() throws Exception {
        String prometheus = prometheusBinary();
        AtomicReference<DemoCommand.FinishedRun> finished = new AtomicReference<>();
        List<String> queryFailures = new ArrayList<>();
        Map<String, Integer> checked = new LinkedHashMap<>();
        DemoCommand demo = new DemoCommand();
        demo.beforeStop = run -> {
            finished.set(run);
            try {
                checkQueries(run.prometheusUrl(), queryFailures, checked);
            } catch (IOException e) {
                queryFailures.add("the checks failed: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                queryFailures.add("interrupted");
            }
        };

        int exitCode = new CommandLine(demo).execute("--project-root", ROOT.toString(),
                "--out", "target/e2e", "--prompts-per-concept", "2", "--steps", "10", "--i2p-limit", "300",
                "--evaluation-prompts", "2", "--neutral-prompts", "4", "--evaluation-steps", "8", "--neutral-examples", "8",
                "--service-heap", "1g", "--prometheus", prometheus, "--scrape-interval", "2s", "--timeout", "PT20M");

        DemoCommand.FinishedRun run = finished.get();
        assertNotNull(run, "the demo ended without an evaluation (exit code " + exitCode + ")");
        // 12 emoji-world prompts and 300 I2P prompts, each with exactly one pair or dead letter
        assertEquals(312, run.fed());
        assertEquals(0, run.unanswered());
        assertEquals(0L, run.duplicates());
        boolean promoted = run.evaluation().decision()
                == dev.pairstream.contracts.event.EvaluationReport.Decision.PROMOTED;
        assertEquals(promoted ? 1 : 0, run.promotions());
        assertEquals(promoted ? 0 : 1, exitCode);
        assertThat(run.evaluation().metrics()).containsKeys("erasureRate", "anchorRate", "consistencySsim");
        assertThat(run.run().resolve("report.json")).isRegularFile();

        assertThat(checked.get("dashboard")).isGreaterThanOrEqualTo(20);
        assertThat(checked.get("alert")).isEqualTo(8);
        assertThat(queryFailures).as("queries without data or with errors").isEmpty();
    }

    private static String prometheusBinary() {
        Optional<String> found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(folder -> Path.of(folder, "prometheus")).filter(Files::isExecutable).map(Path::toString)
                .findFirst();
        if (found.isEmpty()) {
            String message = "no prometheus on the PATH; install Debian's prometheus package (.ci/run does)";
            if ("true".equals(System.getenv("PAIRSTREAM_E2E_REQUIRE_PROMETHEUS"))) {
                throw new IllegalStateException(message);
            }
            Assumptions.abort(message);
        }
        return found.get();
    }

    /** Evaluates every dashboard expression and alert rule on the running Prometheus. */
    private static void checkQueries(String prometheus, List<String> failures, Map<String, Integer> checked)
            throws IOException, InterruptedException {
        // Let Prometheus scrape the final state a few times and evaluate its rules after that.
        Thread.sleep(8_000);
        waitForRuleEvaluations(prometheus);

        int dashboardQueries = 0;
        try (Stream<Path> files = Files.list(ROOT.resolve("deploy/grafana/dashboards"))) {
            for (Path file : files.filter(path -> path.toString().endsWith(".json")).sorted().toList()) {
                JsonNode dashboard = JSON.readTree(file.toFile());
                List<JsonNode> targets = new ArrayList<>();
                collectTargets(dashboard.path("panels"), targets);
                for (JsonNode target : targets) {
                    String expr = target.path("expr").asText();
                    String query = expr.replace("$__rate_interval", "1m").replace("$concept_set", ".+");
                    failures.addAll(require(prometheus, query, file.getFileName() + " \"" + expr + "\""));
                    dashboardQueries++;
                }
                for (JsonNode variable : dashboard.path("templating").path("list")) {
                    String definition = variable.path("query").isObject()
                            ? variable.path("query").path("query").asText() : variable.path("query").asText();
                    var labelValues = Pattern.compile("label_values\\((\\w+),\\s*(\\w+)\\)").matcher(definition);
                    if (labelValues.find()) {
                        failures.addAll(require(prometheus, "count by (" + labelValues.group(2) + ") ("
                                + labelValues.group(1) + ")", file.getFileName() + " variable " + definition));
                    }
                }
            }
        }
        checked.put("dashboard", dashboardQueries);

        JsonNode rulesFile = new ObjectMapper(new YAMLFactory()).readTree(
                ROOT.resolve("deploy/prometheus/alerts.yml").toFile());
        Map<String, String> health = new LinkedHashMap<>();
        JsonNode loaded = get(prometheus, "/api/v1/rules");
        for (JsonNode group : loaded.path("data").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                health.put(rule.path("name").asText(), rule.path("health").asText() + " "
                        + rule.path("lastError").asText(""));
            }
        }
        int alerts = 0;
        for (JsonNode group : rulesFile.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String name = rule.path("alert").asText();
                String expr = rule.path("expr").asText().strip();
                alerts++;
                String state = health.get(name);
                if (state == null || !state.startsWith("ok")) {
                    failures.add("alert " + name + " is not loaded and healthy: " + state);
                }
                String signal = NUMBER_COMPARISON.matcher(expr).replaceAll("");
                failures.addAll(require(prometheus, signal, "alert " + name + " signal \"" + signal + "\""));
            }
        }
        checked.put("alert", alerts);
    }

    private static void collectTargets(JsonNode panels, List<JsonNode> targets) {
        for (JsonNode panel : panels) {
            panel.path("targets").forEach(targets::add);
            collectTargets(panel.path("panels"), targets);
        }
    }

    private static void waitForRuleEvaluations(String prometheus) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            boolean all = true;
            for (JsonNode group : get(prometheus, "/api/v1/rules").path("data").path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    all &= !rule.path("lastEvaluation").asText("0001").startsWith("0001");
                }
            }
            if (all) {
                return;
            }
            Thread.sleep(1_000);
        }
    }

    /** Returns a failure description unless the query succeeds with at least one series. */
    private static List<String> require(String prometheus, String query, String what)
            throws IOException, InterruptedException {
        JsonNode answer = get(prometheus, "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        if (!"success".equals(answer.path("status").asText())) {
            return List.of(what + ": " + answer.path("errorType").asText() + " " + answer.path("error").asText());
        }
        if (answer.path("data").path("result").isEmpty()) {
            return List.of(what + ": no data");
        }
        return List.of();
    }

    private static JsonNode get(String prometheus, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(prometheus + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }
}
