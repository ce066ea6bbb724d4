package dev.pairstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PairCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = PairCli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void helpListsEveryCommand() {
        int exitCode = run("--help");

        assertEquals(0, exitCode);
        assertThat(out.toString()).contains("demo", "data", "broker", "doctor");
    }

    @Test
    void unknownCommandIsAUsageError() {
        int exitCode = run("frobnicate");

        assertEquals(2, exitCode);
        assertThat(err.toString()).contains("frobnicate");
    }

    @Test
    void missingCommandIsAUsageError() {
        int exitCode = run();

        assertEquals(2, exitCode);
        assertThat(err.toString()).contains("Missing command");
    }

    @Test
    void everySubcommandAcceptsHelp() {
        for (String command : PairCli.commandLine().getSubcommands().keySet()) {
            out.getBuffer().setLength(0);

            int exitCode = run(command, "--help");

            assertEquals(0, exitCode, command + " --help exit code; stderr: " + err);
            assertThat(out.toString()).as(command + " --help output").contains("Usage: pair " + command);
        }
    }

    @Test
    void eraseRejectsUnknownMethod() {
        int exitCode = run("erase", "--category", "violence", "--method", "magic");

        assertEquals(2, exitCode);
        assertThat(err.toString()).contains("Unknown erasure method 'magic'; expected one of [pair, dora-random,"
                + " lora-random, fidora-unpaired, esd-x, concept-ablation, uce]");
    }

    @Test
    void eraseNeedsCategoryOrConcepts() {
        int exitCode = run("erase", "--method", "pair");

        assertEquals(2, exitCode);
        assertThat(err.toString()).contains("--category", "--concepts");
    }

    @Test
    void compareRejectsZeroSteps() {
        int exitCode = run("compare", "--concepts", "skull", "--steps", "0");

        assertEquals(2, exitCode);
        assertThat(err.toString()).contains("Invalid steps 0; expected 1 or more");
    }

    @Test
    void brokerRejectsPortOutOfRange() {
        int exitCode = run("broker", "--port", "70000");

        assertEquals(2, exitCode);
        assertThat(err.toString()).contains("70000 is not a port number from 1 to 65535");
    }

    @Test
    void brokerCreatesTopicsWithTheirRetention(@TempDir Path dataDirectory) throws Exception {
        try (KafkaLocalBroker broker = BrokerCommand.startWithTopics(0, dataDirectory, true);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        broker.bootstrapServers()))) {
            for (TopicDefinition<?, ?> topic : Topics.all()) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic.name());
                Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);

                assertEquals(topic.configs().get(TopicConfig.RETENTION_MS_CONFIG),
                        config.get(TopicConfig.RETENTION_MS_CONFIG).value(), topic.name() + " retention.ms");
                assertEquals(topic.compacted() ? "compact" : "delete",
                        config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value(), topic.name() + " cleanup.policy");
            }
        }
    }

    @Test
    void demoRefusesUnknownCategoryBeforeStartingAnything() {
        int exitCode = run("demo", "--category", "weather", "--out", "target/demo-refused");

        assertEquals(2, exitCode);
        assertThat(err.toString()).contains("no unsafe concept of the catalog has the category 'weather'");
        assertThat(Path.of("target/demo-refused")).doesNotExist();
    }

    @Test
    void doctorJsonReportsOfflineEngine() throws Exception {
        int exitCode = run("doctor", "--json");

        assertEquals(0, exitCode);
        String[] lines = out.toString().strip().split("\n");
        assertEquals(1, lines.length, "--json prints exactly one line on standard output");
        JsonNode report = new ObjectMapper().readTree(lines[0]);
        assertEquals("PyTorch", report.get("engine").asText());
        assertEquals("2.7.1", report.get("engineVersion").asText());
        assertEquals(true, report.get("offline").asBoolean());
        assertThat(report.get("engineLoadSeconds").asDouble()).isPositive();
    }
}
