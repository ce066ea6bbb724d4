package dev.pairstream.erasure.emoji;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Checks how failures of the npm process are reported, using real shell processes that fail on purpose. */
@EnabledOnOs({OS.LINUX, OS.MAC})
class NpmPackRunnerTest {

    @TempDir
    Path folder;

    private void assertWorkFoldersRemoved() throws IOException {
        try (Stream<Path> left = Files.list(folder)) {
            assertEquals(0, left.count(), "npm work folders left behind");
        }
    }

    @Test
    void failingNpmReportsExitCode() throws Exception {
        // Given: sh -c receives "pack SPEC --json --ignore-scripts" as $0 and positional arguments
        NpmPackRunner runner = new NpmPackRunner(List.of("sh", "-c", "echo 'E404 not found' >&2; exit 3"),
                Duration.ofSeconds(30));

        // When
        IOException error = assertThrows(IOException.class,
                () -> runner.pack("emoji-datasource-google@16.0.0", folder, folder.resolve("out.tgz")));

        // Then
        assertThat(error.getMessage()).contains("exit code 3").contains("E404 not found");
        assertWorkFoldersRemoved();
    }

    @Test
    void hangingCommandTimesOut() throws Exception {
        // Given
        NpmPackRunner runner = new NpmPackRunner(List.of("sh", "-c", "sleep 30"), Duration.ofMillis(300));

        // When
        IOException error = assertThrows(IOException.class,
                () -> runner.pack("emoji-datasource-google@16.0.0", folder, folder.resolve("out.tgz")));

        // Then
        assertThat(error.getMessage()).contains("timed out");
        assertWorkFoldersRemoved();
    }

    @Test
    void outputWithoutJsonReportIsRejected() throws Exception {
        // Given
        NpmPackRunner runner = new NpmPackRunner(List.of("sh", "-c", "echo done"), Duration.ofSeconds(30));

        // When
        IOException error = assertThrows(IOException.class,
                () -> runner.pack("emoji-datasource-google@16.0.0", folder, folder.resolve("out.tgz")));

        // Then
        assertThat(error.getMessage()).contains("printed no JSON report").contains("done");
    }

    @Test
    void invalidSettingsAreRejected() {
        // Given / When / Then
        assertThrows(IllegalArgumentException.class, () -> new NpmPackRunner(List.of(), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new NpmPackRunner(List.of("npm"), Duration.ZERO));
    }
}
