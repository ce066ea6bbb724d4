package dev.pairstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
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
    void demoReportsNotAvailable() {
        int exitCode = run("demo");

        assertEquals(DemoCommand.NOT_AVAILABLE, exitCode);
        assertThat(err.toString()).contains("not yet available");
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
