package dev.pairstream.cli;

import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.EvaluationReport;
import dev.pairstream.contracts.event.EventKeys;
import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.contracts.event.GateResult;
import dev.pairstream.contracts.event.TrainingJobState;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.emoji.CaptionGenerator;
import dev.pairstream.erasure.emoji.CaptionSplit;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.Role;
import dev.pairstream.erasure.emoji.Scene;
import dev.pairstream.erasure.emoji.SceneSampler;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The main job end to end: starts a broker and the four services as processes on 127.0.0.1, feeds flagged prompts,
 * follows them through the topics until the concept set's adapter is promoted or rejected, prints the figures, and
 * stops everything. A service that dies is started again. Because the pipeline delivers exactly once, the run ends as
 * it would have without the crash, and the closing accounting checks that.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {"Run the whole pipeline on the embedded emoji-world model: a broker and the four services as"
                + " processes on 127.0.0.1, flagged prompts of one moderation category in (plus the vendored I2P"
                + " prompts, paired as text for a model this deployment does not render), one promoted or rejected"
                + " adapter out.",
                "A service that exits is started again. Ctrl-C stops every process. Exit code 0 when the adapter is"
                + " promoted, 1 when it is rejected or the run fails."})
final class DemoCommand implements Callable<Integer> {

    /** Base model id under which the I2P prompts are flagged: a model this deployment pairs as text only. */
    static final String TEXT_ONLY_BASE_MODEL = "stable-diffusion-v1-5";

    private static final String BASE_MODEL = "emoji-world-base";
    private static final List<String> SERVICES = List.of("pair-generator-service", "fisher-service",
            "trainer-service", "evaluator-service");
    private static final int MAX_RESTARTS = 3;
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    @Option(names = "--category", defaultValue = "violence",
            description = "Moderation category of the emoji-world prompts; its unsafe concepts form one concept set"
                    + " (default: ${DEFAULT-VALUE}).")
    String category;

    @Option(names = "--prompts-per-concept", defaultValue = "16",
            description = "Flagged emoji-world prompts per unsafe concept of the category (default:"
                    + " ${DEFAULT-VALUE}).")
    int promptsPerConcept;

    @Option(names = "--i2p", defaultValue = "datasets/i2p/i2p_prompts.csv",
            description = "I2P prompts CSV flagged for " + TEXT_ONLY_BASE_MODEL + " and paired as text (default:"
                    + " ${DEFAULT-VALUE}).")
    Path i2pCsv;

    @Option(names = "--i2p-limit", defaultValue = "0",
            description = "Feed at most this many I2P prompts; 0 feeds all, -1 none (default: ${DEFAULT-VALUE}).")
    int i2pLimit;

    @Option(names = "--steps", defaultValue = "400",
            description = "Training steps of the adapter (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--neutral-weight", defaultValue = "1",
            description = "Weight of the trainer's neutral preservation term (default: ${DEFAULT-VALUE}, as in the"
                    + " trainer). A larger weight keeps more of the neutral pictures but erases less"
                    + " (docs/results.md).")
    double neutralWeight;

    @Option(names = "--seed", defaultValue = "20261205",
            description = "Seed of the emoji-world scenes and captions (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", defaultValue = ".pair/demo",
            description = "Folder that receives one folder per run: logs, broker data, artifacts, report"
                    + " (default: ${DEFAULT-VALUE}).")
    Path outRoot;

    @Option(names = "--timeout", defaultValue = "PT60M",
            description = "Give up after this long, as an ISO-8601 duration (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--evaluation-prompts", defaultValue = "20",
            description = "Evaluation prompts per concept, of the training style and held out each (default:"
                    + " ${DEFAULT-VALUE}).")
    int evaluationPrompts;

    @Option(names = "--neutral-prompts", defaultValue = "48",
            description = "Neutral evaluation prompts, for the preservation measure (default: ${DEFAULT-VALUE}).")
    int neutralPrompts;

    @Option(names = "--evaluation-steps", defaultValue = "25",
            description = "DDIM steps of the evaluation's pictures (default: ${DEFAULT-VALUE}).")
    int evaluationSteps;

    @Option(names = "--neutral-examples", defaultValue = "32",
            description = "Neutral pictures the trainer draws for its preservation term (default: ${DEFAULT-VALUE}).")
    int neutralExamples;

    @Option(names = "--prometheus", arity = "0..1", fallbackValue = "prometheus",
            description = "Also start this Prometheus binary (default when given without a value: prometheus on the"
                    + " PATH) on 127.0.0.1, scraping the four services and evaluating deploy/prometheus/alerts.yml.")
    String prometheusBinary;

    @Option(names = "--scrape-interval", defaultValue = "5s",
            description = "Scrape and rule evaluation interval of --prometheus (default: ${DEFAULT-VALUE}).")
    String scrapeInterval;

    @Option(names = "--project-root", defaultValue = ".", hidden = true,
            description = "The repository root, with the built services and the models (default: the working"
                    + " directory).")
    Path projectRoot;

    @Option(names = "--service-heap", defaultValue = "2g",
            description = "Maximum Java heap of each service process (default: ${DEFAULT-VALUE}).")
    String serviceHeap;

    @Spec
    CommandSpec spec;

    /**
     * The outcome of a run, handed to {@link #beforeStop} while every process still runs.
     *
     * @param prometheusUrl the Prometheus base URL, or null without {@code --prometheus}
     * @param servicePorts  the HTTP port of each service
     * @param evaluation    the concept set's evaluation
     * @param run           the run folder
     * @param fed           flagged prompts fed
     * @param unanswered    fed prompts without a pair or a dead letter
     * @param duplicates    pair records with an already published pair id, plus prompts dead-lettered twice
     * @param promotions    promotions of the concept set
     */
    record FinishedRun(String prometheusUrl, Map<String, Integer> servicePorts, EvaluationReport evaluation,
            Path run, int fed, int unanswered, long duplicates, int promotions) {
    }

    /** Called after the evaluation, before the processes stop; tests query the running system from here. */
    Consumer<FinishedRun> beforeStop = run -> { };

    private final List<DemoProcess> services = new ArrayList<>();
    private DemoProcess prometheus;
    private String prometheusUrl;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private DemoProcess broker;
    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (promptsPerConcept < 1 || steps < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--prompts-per-concept and --steps must be"
                    + " at least 1");
        }
        Path root = projectRoot.toAbsolutePath().normalize();
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        List<Concept> concepts = catalog.concepts(Role.UNSAFE).stream()
                .filter(concept -> category.equals(concept.category())).toList();
        if (concepts.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no unsafe concept of the catalog has the"
                    + " category '" + category + "'; categories: " + catalog.categories());
        }
        List<String> conceptIds = concepts.stream().map(Concept::id).sorted().toList();
        String key = EventKeys.conceptSetKey(BASE_MODEL, conceptIds);
        List<FlaggedPrompt> emoji = emojiPrompts(catalog, concepts);
        List<FlaggedPrompt> i2p = i2pLimit < 0 ? List.of()
                : BenchPairsCommand.flaggedPrompts(root.resolve(i2pCsv), i2pLimit, new TreeSet<>(catalog.categories()),
                        TEXT_ONLY_BASE_MODEL, "i2p");
        checkBuilt(root);

        Path run = outRoot.toAbsolutePath().resolve("run-" + LocalDateTime.now()
                .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(run);
        out.printf(Locale.ROOT, "PAIR Stream demo: erase '%s' (%s) from %s%n", category, String.join(", ", conceptIds),
                BASE_MODEL);
        out.printf(Locale.ROOT, "run folder %s%n", run);
        out.flush();

        Thread hook = new Thread(this::stopAll, "pair-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Instant started = Instant.now();
        try {
            String bootstrap = startBroker(root, run);
            startServices(root, run, bootstrap, emoji.size());
            if (prometheusBinary != null) {
                startPrometheus(root, run);
            }
            try (DemoMonitor monitor = new DemoMonitor(bootstrap, key)) {
                Map<String, String> coordinates = feed(bootstrap, emoji, i2p);
                return follow(monitor, key, run, started, emoji, i2p, coordinates);
            }
        } finally {
            stopAll();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is already shutting down, and the hook runs or has run.
            }
        }
    }

    /** Flagged prompts of the category's concepts, in the training caption style, flagged with the category. */
    private List<FlaggedPrompt> emojiPrompts(ConceptCatalog catalog, List<Concept> concepts) {
        SceneSampler scenes = new SceneSampler(catalog, seed);
        CaptionGenerator captions = new CaptionGenerator(catalog, seed + 1);
        Instant now = Instant.now();
        List<FlaggedPrompt> prompts = new ArrayList<>();
        for (int i = 0; i < promptsPerConcept; i++) {
            for (Concept concept : concepts) {
                Scene scene = scenes.sample(concept.id());
                String caption = captions.caption(scene, CaptionSplit.TRAIN, CaptionSplit.TRAIN);
                String promptId = "demo-" + concept.id() + "-" + i;
                prompts.add(new FlaggedPrompt(Envelope.root("record-" + promptId, BASE_MODEL, now), promptId,
                        caption, List.of(concept.category()), "demo", "pair-demo", now));
            }
        }
        return prompts;
    }

    private void checkBuilt(Path root) {
        List<String> missing = new ArrayList<>();
        for (String service : SERVICES) {
            if (!Files.isRegularFile(serviceJar(root, service))) {
                missing.add(serviceJar(root, service).toString());
            }
        }
        for (String model : List.of("models/emoji-world-base", "models/concept-detector")) {
            if (!Files.isDirectory(root.resolve(model))) {
                missing.add(root.resolve(model).toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Missing " + String.join(", ", missing) + "; run ./pair demo from the"
                    + " repository root (it builds the services), or ./mvnw -B package -DskipTests first");
        }
    }

    private static Path serviceJar(Path root, String service) {
        return root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
    }

    private String startBroker(Path root, Path run) throws IOException, InterruptedException {
        int port = freePort();
        // The packaged CLI when it is there; otherwise this JVM's own class path.
        Path cliJar = root.resolve("pair-cli/target/pair-cli.jar");
        String classPath = Files.isRegularFile(cliJar) ? cliJar + File.pathSeparator
                + root.resolve("pair-cli/target/lib") + File.separator + "*"
                : System.getProperty("java.class.path");
        List<String> command = List.of(javaBinary(), "-Xmx1g", "-cp", classPath,
                PairCli.class.getName(), "broker", "--port", Integer.toString(port), "--data-dir",
                run.resolve("kafka").toString());
        broker = new DemoProcess("broker", command, Map.of(), root, run.resolve("logs/broker.log"), 0);
        long start = System.nanoTime();
        broker.start();
        Instant deadline = Instant.now().plusSeconds(180);
        while (!Files.exists(broker.log()) || !Files.readString(broker.log(), StandardCharsets.UTF_8)
                .contains("Kafka broker ready on")) {
            if (!broker.isAlive()) {
                throw new IllegalStateException("The broker exited with code " + broker.exitCode() + "; see "
                        + broker.log());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("The broker was not ready after 180 s; see " + broker.log());
            }
            Thread.sleep(200);
        }
        out.printf(Locale.ROOT, "broker ready on 127.0.0.1:%d (pid %d, %.1f s)%n", port, broker.pid(),
                (System.nanoTime() - start) / 1e9);
        out.flush();
        return "127.0.0.1:" + port;
    }

    private void startServices(Path root, Path run, String bootstrap, int setPairs)
            throws IOException, InterruptedException {
        Path artifacts = run.resolve("artifacts");
        String model = root.resolve("models/emoji-world-base").toString();
        Map<String, Map<String, String>> properties = new LinkedHashMap<>();
        properties.put("pair-generator-service", Map.of(
                "pair.generator.model-folder", model,
                "pair.generator.artifact-store", artifacts.toString(),
                "pair.generator.other-base-models", "text-only"));
        properties.put("fisher-service", Map.of(
                "pair.fisher.model-folder", model,
                "pair.fisher.artifact-store", artifacts.toString(),
                "pair.fisher.concept-sets", "category",
                "pair.fisher.snapshot-interval", "10s",
                "kafka-streams.state.dir", run.resolve("fisher-state").toString()));
        properties.put("trainer-service", Map.of(
                "pair.trainer.model-folder", model,
                "pair.trainer.artifact-store", artifacts.toString(),
                "pair.trainer.state-folder", run.resolve("trainer").toString(),
                "pair.trainer.concept-sets", "category",
                "pair.trainer.trigger.min-pairs", Integer.toString(setPairs),
                "pair.trainer.trigger.min-fisher-pairs", Integer.toString(setPairs),
                "pair.trainer.training.steps", Integer.toString(steps),
                "pair.trainer.training.neutral-examples", Integer.toString(neutralExamples),
                "pair.trainer.training.neutral-weight", Double.toString(neutralWeight)));
        properties.put("evaluator-service", Map.of(
                "pair.evaluator.model-folder", model,
                "pair.evaluator.detector-folder", root.resolve("models/concept-detector").toString(),
                "pair.evaluator.artifact-store", artifacts.toString(),
                "pair.evaluator.evaluation.train-prompts-per-concept", Integer.toString(evaluationPrompts),
                "pair.evaluator.evaluation.held-out-prompts-per-concept", Integer.toString(evaluationPrompts),
                "pair.evaluator.evaluation.neutral-prompts", Integer.toString(neutralPrompts),
                "pair.evaluator.evaluation.inference-steps", Integer.toString(evaluationSteps)));
        for (String service : SERVICES) {
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx" + serviceHeap,
                    "-Dai.djl.offline=true", "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                    "-Dkafka.bootstrap.servers=" + bootstrap));
            properties.get(service).forEach((name, value) -> command.add("-D" + name + "=" + value));
            command.addAll(List.of("-jar", serviceJar(root, service).toString()));
            Map<String, String> environment = new HashMap<>();
            environment.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            environment.put("OPT_OUT_TRACKING", "true");
            DemoProcess process = new DemoProcess(service, command, environment, root,
                    run.resolve("logs").resolve(service + ".log"), port);
            services.add(process);
            process.start();
        }
        long start = System.nanoTime();
        Instant deadline = Instant.now().plusSeconds(300);
        List<DemoProcess> waiting = new ArrayList<>(services);
        while (!waiting.isEmpty()) {
            for (DemoProcess process : List.copyOf(waiting)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(process.name() + " exited with code " + process.exitCode()
                            + " while starting; see " + process.log());
                }
                if (process.isReady()) {
                    waiting.remove(process);
                    out.printf(Locale.ROOT, "%-23s ready on 127.0.0.1:%d (pid %d, %.1f s)%n", process.name(),
                            process.httpPort(), process.pid(), (System.nanoTime() - start) / 1e9);
                    out.flush();
                }
            }
            if (!waiting.isEmpty() && Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("Not ready after 300 s: " + waiting.stream().map(DemoProcess::name)
                        .toList() + "; see their logs in " + run.resolve("logs"));
            }
            Thread.sleep(500);
        }
    }

    /**
     * Starts Prometheus with the four services as scrape targets, under the job names of
     * {@code deploy/prometheus/prometheus.yml}, and the alert rules of {@code deploy/prometheus/alerts.yml}.
     */
    private void startPrometheus(Path root, Path run) throws IOException, InterruptedException {
        Path rules = root.resolve("deploy/prometheus/alerts.yml");
        StringBuilder config = new StringBuilder();
        config.append("# Written by ./pair demo for this run.\n")
                .append("global:\n  scrape_interval: ").append(scrapeInterval).append("\n  evaluation_interval: ")
                .append(scrapeInterval).append("\nrule_files:\n  - ").append(rules).append("\nscrape_configs:\n");
        for (DemoProcess service : services) {
            config.append("  - job_name: ").append(service.name()).append("\n    metrics_path: /q/metrics\n")
                    .append("    static_configs:\n      - targets: [\"127.0.0.1:").append(service.httpPort())
                    .append("\"]\n");
        }

        Path configFile = run.resolve("prometheus.yml");
        Files.writeString(configFile, config.toString(), StandardCharsets.UTF_8);
        int port = freePort();
        prometheus = new DemoProcess("prometheus", List.of(prometheusBinary, "--config.file=" + configFile,
                "--storage.tsdb.path=" + run.resolve("prometheus-data"), "--web.listen-address=127.0.0.1:" + port),
                Map.of(), root, run.resolve("logs/prometheus.log"), 0);
        prometheus.start();
        prometheusUrl = "http://127.0.0.1:" + port;

        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plusSeconds(60);
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(prometheusUrl + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!prometheus.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("Prometheus did not start (" + prometheusBinary + "); see "
                        + prometheus.log());
            }
            Thread.sleep(300);
        }
        out.printf(Locale.ROOT, "prometheus              ready on %s (pid %d), scraping every %s%n", prometheusUrl,
                prometheus.pid(), scrapeInterval);
        out.flush();
    }

    /** Writes the prompts and returns the coordinates of each record, by record id. */
    private Map<String, String> feed(String bootstrap, List<FlaggedPrompt> emoji, List<FlaggedPrompt> i2p)
            throws InterruptedException, ExecutionException {
        Map<String, Future<RecordMetadata>> sent = new LinkedHashMap<>();
        Map<String, Object> settings = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.CLIENT_ID_CONFIG, "pair-demo-feed", ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 20);
        try (KafkaProducer<String, FlaggedPrompt> producer = new KafkaProducer<>(settings, new StringSerializer(),
                Topics.FLAGGED_PROMPTS.valueSerde().serializer())) {
            for (List<FlaggedPrompt> prompts : List.of(emoji, i2p)) {
                for (FlaggedPrompt prompt : prompts) {
                    sent.put(prompt.recordId(), producer.send(new ProducerRecord<>(Topics.FLAGGED_PROMPTS.name(),
                            prompt.promptId(), prompt)));
                }
            }
            producer.flush();
        }
        Map<String, String> coordinates = new HashMap<>();
        for (var entry : sent.entrySet()) {
            RecordMetadata metadata = entry.getValue().get();
            coordinates.put(entry.getKey(), DeadLetter.coordinates(metadata.topic(),
                    metadata.partition(), metadata.offset()));
        }
        out.printf(Locale.ROOT, "fed %d flagged prompts: %d emoji-world '%s' prompts for %s, %d I2P prompts for %s"
                + " (paired as text)%n", emoji.size() + i2p.size(), emoji.size(), category, BASE_MODEL, i2p.size(),
                TEXT_ONLY_BASE_MODEL);
        out.flush();
        return coordinates;
    }

    private int follow(DemoMonitor monitor, String key, Path run, Instant started, List<FlaggedPrompt> emoji,
            List<FlaggedPrompt> i2p, Map<String, String> coordinates) throws IOException, InterruptedException {
        boolean terminal = System.console() != null;
        int fed = emoji.size() + i2p.size();
        Instant deadline = started.plus(timeout);
        long lastLine = 0;
        String lastStatus = "";
        while (true) {
            if (stopped.get()) {
                // Ctrl-C: the shutdown hook stops the processes, and the broker is going away.
                return 130;
            }
            monitor.poll(Duration.ofMillis(500));
            supervise();
            EvaluationReport evaluation = monitor.evaluation();
            TrainingJobState job = monitor.job();
            String status = status(monitor, fed, started);
            long now = System.nanoTime();
            if (terminal) {
                out.print("\r" + status + "\u001b[K");
                out.flush();
            } else if (now - lastLine > 15_000_000_000L || (!status.equals(lastStatus) && evaluation != null)) {
                out.println(status);
                out.flush();
                lastLine = now;
            }
            lastStatus = status;
            if (evaluation != null) {
                if (terminal) {
                    out.println();
                }
                // The promotion shares the evaluation's transaction, so it is readable now; read it before counting.
                monitor.poll(Duration.ofSeconds(2));
                return finish(monitor, key, run, started, evaluation, emoji, i2p, coordinates);
            }
            if (job != null && job.state() == TrainingJobState.State.FAILED) {
                if (terminal) {
                    out.println();
                }
                out.printf(Locale.ROOT, "training job %s failed: %s%nlogs: %s%n", job.jobId(), job.reason(),
                        run.resolve("logs"));
                return 1;
            }
            if (Instant.now().isAfter(deadline)) {
                if (terminal) {
                    out.println();
                }
                out.printf(Locale.ROOT, "no evaluation of %s after %s; logs: %s%n", key, timeout,
                        run.resolve("logs"));
                return 1;
            }
            if (monitor.answered() == fed && monitor.renderedPairsOfSet() < emoji.size()
                    && monitor.snapshot() != null && monitor.snapshot().pairCount() == monitor.renderedPairsOfSet()
                    && job == null && Duration.between(started, Instant.now()).toMinutes() >= 5) {
                out.printf(Locale.ROOT, "%nonly %d of the %d '%s' prompts became pairs, fewer than the trainer waits"
                        + " for; the generator's log has the reasons: %s%n", monitor.renderedPairsOfSet(),
                        emoji.size(), category, run.resolve("logs/pair-generator-service.log"));
                return 1;
            }
        }
    }

    private String status(DemoMonitor monitor, int fed, Instant started) {
        StringBuilder line = new StringBuilder();
        long seconds = Duration.between(started, Instant.now()).toSeconds();
        line.append(String.format(Locale.ROOT, "[%02d:%02d] prompts %d/%d answered, pairs %d rendered + %d text",
                seconds / 60, seconds % 60, monitor.answered(), fed, monitor.renderedPairs(), monitor.textOnlyPairs()));
        line.append(" | fisher ").append(monitor.snapshot() == null ? "-" : monitor.snapshot().pairCount()
                + " pairs (snapshot " + monitor.snapshots() + ")");
        TrainingJobState job = monitor.job();
        line.append(" | training ");
        if (job == null) {
            line.append("waiting");
        } else {
            int width = 20;
            int filled = job.totalSteps() == 0 ? 0 : (int) ((long) width * job.step() / job.totalSteps());
            line.append('[').append("#".repeat(filled)).append(".".repeat(width - filled)).append("] ")
                    .append(job.step()).append('/').append(job.totalSteps()).append(' ')
                    .append(job.state().name().toLowerCase(Locale.ROOT));
            if (job.state() == TrainingJobState.State.RUNNING && job.etaSeconds() != null) {
                line.append(String.format(Locale.ROOT, " ETA %dm%02ds", job.etaSeconds() / 60,
                        job.etaSeconds() % 60));
            }
        }
        line.append(" | evaluation ");
        if (monitor.evaluation() != null) {
            line.append(monitor.evaluation().decision().name().toLowerCase(Locale.ROOT));
        } else if (job != null && job.state() == TrainingJobState.State.SUCCEEDED) {
            line.append("running");
        } else {
            line.append("-");
        }
        return line.toString();
    }

    /** Starts a service that exited while the demo runs, up to {@value #MAX_RESTARTS} times each. */
    private void supervise() {
        if (broker != null && !broker.isAlive() && !stopped.get()) {
            throw new IllegalStateException("The broker exited with code " + broker.exitCode() + "; see "
                    + broker.log());
        }
        for (DemoProcess service : services) {
            if (service.isAlive() || stopped.get()) {
                continue;
            }
            if (service.starts() > MAX_RESTARTS) {
                throw new IllegalStateException(service.name() + " exited " + service.starts() + " times, the last"
                        + " with code " + service.exitCode() + "; see " + service.log());
            }
            long pid = service.pid();
            Integer exitCode = service.exitCode();
            service.start();
            out.printf(Locale.ROOT, "%n%s (pid %d) exited with code %d; started it again as pid %d%n",
                    service.name(), pid, exitCode, service.pid());
            out.flush();
        }
    }

    private int finish(DemoMonitor monitor, String key, Path run, Instant started, EvaluationReport evaluation,
            List<FlaggedPrompt> emoji, List<FlaggedPrompt> i2p, Map<String, String> coordinates) throws IOException {
        double minutes = Duration.between(started, Instant.now()).toMillis() / 60_000.0;
        boolean promoted = evaluation.decision() == EvaluationReport.Decision.PROMOTED;
        out.printf(Locale.ROOT, "%n%s %s@%d for %s after %.1f minutes%n", promoted ? "PROMOTED" : "REJECTED",
                evaluation.adapterId(), evaluation.adapterVersion(), key, minutes);
        Map<String, Double> metrics = evaluation.metrics();
        printFigure("erasure rate (training-style prompts)", metrics.get("erasureRate"), true);
        printFigure("erasure rate (held-out paraphrases)", metrics.get("erasureRateHeldOut"), true);
        printFigure("anchor rate", metrics.get("anchorRate"), true);
        printFigure("consistency SSIM", metrics.get("consistencySsim"), false);
        printFigure("neutral accuracy", metrics.get("neutralAccuracy"), true);
        printFigure("Frechet distance", metrics.get("frechetDistance"), false);
        for (GateResult gate : evaluation.gates()) {
            if (!gate.passed()) {
                out.printf(Locale.ROOT, "  gate %s failed: %s%n", gate.gate(), gate.reason());
            }
        }
        FileSystemArtifactStore store = new FileSystemArtifactStore(run.resolve("artifacts"));
        Path report = copy(store, evaluation.report(), run.resolve("report.json"));
        Path grid = evaluation.grid() == null ? null : copy(store, evaluation.grid(), run.resolve("grid.png"));
        out.printf(Locale.ROOT, "report %s%n", report);
        if (grid != null) {
            out.printf(Locale.ROOT, "grid   %s%n", grid);
        }

        int unanswered = 0;
        for (List<FlaggedPrompt> prompts : List.of(emoji, i2p)) {
            for (FlaggedPrompt prompt : prompts) {
                if (!monitor.isAnswered(prompt.recordId(), coordinates.get(prompt.recordId()))) {
                    unanswered++;
                }
            }
        }
        int fed = emoji.size() + i2p.size();
        out.printf(Locale.ROOT, "accounting: %d flagged prompts, %d answered (%d rendered pairs, %d text-only pairs,"
                + " %d dead letters), %d unanswered, %d duplicate pairs, %d prompts dead-lettered twice%n", fed,
                monitor.answered(), monitor.renderedPairs(), monitor.textOnlyPairs(), monitor.flaggedDeadLetters(),
                unanswered, monitor.duplicatePairs(), monitor.repeatedDeadLetters());
        out.printf(Locale.ROOT, "            dead letters by service %s; Fisher counted %d of the %d rendered '%s'"
                + " pairs; %d promotion(s) of %s%n", monitor.deadLettersByService(),
                monitor.snapshot() == null ? 0 : monitor.snapshot().pairCount(), monitor.renderedPairsOfSet(),
                category, monitor.promotions().size(), key);
        List<String> restarted = services.stream().filter(service -> service.starts() > 1)
                .map(service -> service.name() + " x" + (service.starts() - 1)).toList();
        if (!restarted.isEmpty()) {
            out.printf(Locale.ROOT, "            restarted during the run: %s%n", String.join(", ", restarted));
        }
        out.printf(Locale.ROOT, "logs   %s%n", run.resolve("logs"));
        out.flush();
        Map<String, Integer> ports = new LinkedHashMap<>();
        services.forEach(service -> ports.put(service.name(), service.httpPort()));
        beforeStop.accept(new FinishedRun(prometheusUrl, ports, evaluation, run, fed, unanswered,
                monitor.duplicatePairs() + monitor.repeatedDeadLetters(), monitor.promotions().size()));
        boolean consistent = unanswered == 0 && monitor.duplicatePairs() == 0 && monitor.repeatedDeadLetters() == 0
                && monitor.promotions().size() == (promoted ? 1 : 0);
        if (!consistent) {
            out.println("accounting FAILED: see the line above");
        }
        return promoted && consistent ? 0 : 1;
    }

    private void printFigure(String name, Double value, boolean percent) {
        if (value == null) {
            return;
        }
        out.printf(Locale.ROOT, percent ? "  %-40s %6.1f%%%n" : "  %-40s %7.3f%n", name,
                percent ? 100 * value : value);
    }

    private static Path copy(FileSystemArtifactStore store, ArtifactRef ref, Path target) throws IOException {
        Files.copy(store.pathOf(ref), target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /** Stops the services (SIGTERM, so they commit and close), then the broker. Runs once. */
    private void stopAll() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        List<Thread> stopping = new ArrayList<>();
        for (DemoProcess service : services) {
            Thread thread = new Thread(() -> service.stop(STOP_GRACE), "pair-demo-stop-" + service.name());
            thread.start();
            stopping.add(thread);
        }
        for (Thread thread : stopping) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (prometheus != null) {
            prometheus.stop(STOP_GRACE);
        }
        if (broker != null) {
            broker.stop(STOP_GRACE);
        }
        if (out != null) {
            out.println("stopped the broker and the services");
            out.flush();
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin",
                "java").toString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
